/**
 * The subscriber channel of one Herald node: the bus to the other nodes (Redis pub/sub, else
 * PostgreSQL LISTEN/NOTIFY, else this process alone), presence, the hub and its transports.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { AppRegistry } from '../auth/apps.ts';
import type { UserSigVerifier } from '../auth/verifier.ts';
import type { AuthFailureLimits } from '../limits/auth-failures.ts';
import type { ServiceContext } from '../services/context.ts';
import type { Store } from '../store/store.ts';
import { type Bus, LocalBus } from './bus.ts';
import { Hub } from './hub.ts';
import { PostgresBus } from './postgres-bus.ts';
import { LocalPresence, type Presence, RedisPresence, StorePresence } from './presence.ts';
import { CLOSE } from './protocol.ts';
import { RedisBus } from './redis-bus.ts';
import { Session, type SessionLimits, type SessionObserver, type Transport } from './session.ts';
import { registerClientScript } from './client-script.ts';
import { registerSse } from './sse.ts';
import { WebSocketGateway } from './websocket.ts';

export interface ChannelSettings {
  maxConnectionsPerUser: number;
  /** 0: no cap. */
  maxConnectionsPerIp: number;
  pingMs: number;
  maxBufferedBytes: number;
  sweepMs: number;
}

/** Fixed limits of a session (docs/client-protocol.md). */
const SESSION_LIMITS: Omit<SessionLimits, 'maxBufferedBytes'> = {
  maxFrameBytes: 64 * 1024,
  loginTimeoutMs: 10_000,
  requestsPerSecond: 50,
};
/** Frames above this close the connection (1009); between it and maxFrameBytes they answer 60003. */
const MAX_PAYLOAD_BYTES = 1024 * 1024;

export interface ChannelDeps {
  store: Store;
  redis: Redis | null;
  /** The PostgreSQL URL (LISTEN/NOTIFY) when the store is PostgreSQL. */
  databaseUrl: string | null;
  onError(error: unknown): void;
  observer?: SessionObserver | undefined;
}

export class SubscriberChannel {
  private gateway: WebSocketGateway | undefined;
  private readonly sessions = new Set<Session>();

  private constructor(
    readonly hub: Hub,
    readonly presence: Presence,
    private readonly bus: Bus,
    private readonly settings: ChannelSettings,
    private readonly onError: (error: unknown) => void,
    private readonly observer: SessionObserver | undefined,
  ) {}

  static async open(deps: ChannelDeps, settings: ChannelSettings): Promise<SubscriberChannel> {
    const nodeId = randomUUID();
    const { store, redis } = deps;
    const bus: Bus = redis
      ? await RedisBus.open(redis, store.namespace)
      : store.kind === 'postgres' && deps.databaseUrl
        ? await PostgresBus.open(deps.databaseUrl, store.namespace)
        : new LocalBus();
    const presence: Presence = redis
      ? await RedisPresence.open(redis, store.namespace, nodeId)
      : store.kind === 'postgres'
        ? await StorePresence.open(store.presence, nodeId)
        : new LocalPresence();
    const hub = new Hub(bus, store.reads, {
      maxConnectionsPerUser: settings.maxConnectionsPerUser,
      sweepMs: settings.sweepMs,
      onError: deps.onError,
    });
    return new SubscriberChannel(hub, presence, bus, settings, deps.onError, deps.observer);
  }

  /**
   * Serves the channel on the HTTP server (before it listens): WebSocket upgrades, the SSE route
   * and the browser bundle of herald/client.
   */
  attach(
    server: FastifyInstance,
    deps: {
      apps: AppRegistry;
      verifier: UserSigVerifier;
      authFailures: AuthFailureLimits;
      services: Omit<ServiceContext, 'app' | 'operator' | 'clientIp' | 'notifier' | 'online'>;
    },
  ): void {
    const open = (transport: Transport) => {
      const session = new Session(transport, {
        hub: this.hub,
        apps: deps.apps,
        verifier: deps.verifier,
        authFailures: deps.authFailures,
        presence: this.presence,
        services: { ...deps.services, notifier: this.hub, online: this.presence },
        limits: { ...SESSION_LIMITS, maxBufferedBytes: this.settings.maxBufferedBytes },
        onError: this.onError,
        onClosed: (closed) => this.sessions.delete(closed),
        observer: this.observer,
      });
      this.sessions.add(session);
      return session;
    };
    this.gateway = new WebSocketGateway(server.server, {
      maxPayloadBytes: MAX_PAYLOAD_BYTES,
      pingMs: this.settings.pingMs,
      maxConnectionsPerIp: this.settings.maxConnectionsPerIp,
      open,
    });
    registerSse(server, open);
    registerClientScript(server);
  }

  /** Connections of this node, WebSocket and SSE. */
  get connectionCount(): number {
    return this.hub.connectionCount;
  }

  /** Closes every connection (1001: their clients resume elsewhere), then the bus and presence. */
  async close(): Promise<void> {
    this.hub.stop();
    // SSE streams too: an open stream would keep the HTTP server from closing.
    for (const session of [...this.sessions]) session.close(CLOSE.goingAway, 'server shutting down');
    await this.gateway?.close();
    await this.presence.close();
    await this.bus.close();
  }
}
