/**
 * How a send ends: sent (LastMsgTime moves, AfterSendMsg is written), discarded or refused. Also
 * the sends abandoned mid-webhook by a node that died, settled in the background.
 */
import type { AppRecord, MessageOutcome } from '../store/records.ts';
import type { Tx } from '../store/store.ts';
import { CALLBACKS } from '../webhooks/commands.ts';
import type { ServiceContext } from './context.ts';
import { emitAfter } from './events.ts';

export const FORBID_BEFORE_SEND = 'ForbidBeforeSendMsgCallback';
export const FORBID_AFTER_SEND = 'ForbidAfterSendMsgCallback';

/** A message row that holds its Seq and MsgKey, waiting for (or just given) its outcome. */
export interface Reserved {
  id: string;
  seq: number;
  msgKey: string;
  time: number;
  onlineOnly: 0 | 1;
  emitsAfter: boolean;
}

/**
 * Gives a send its outcome; a sent message takes its timeline version, moves LastMsgTime, rings
 * the subscribers' doorbell and emits AfterSendMsg. `insertedAt`: the row was just inserted as
 * sent at that version (no webhook to wait for), only the effects remain. Answers false when the
 * message was no longer pending (settled by someone else first).
 */
export async function settleSend(
  ctx: ServiceContext,
  tx: Tx,
  m: Reserved,
  outcome: MessageOutcome,
  insertedAt?: number,
): Promise<boolean> {
  const sdkappid = ctx.app.sdkappid;
  // Only a message still pending is settled (a late answer never overrides the recovery's).
  if (insertedAt === undefined && !(await tx.settleMessage(sdkappid, m.id, m.seq, outcome))) return false;
  if (outcome.state !== 'sent') return true;
  const version = insertedAt ?? (await tx.markMessageSent(sdkappid, m.id, m.seq, m.time));
  tx.onCommit(() => ctx.notifier.timelineChanged(sdkappid, m.id, version));
  if (!m.emitsAfter) return true;
  await emitAfter(ctx, tx, CALLBACKS.afterSendMsg, m.id, {
    Official_Account: m.id,
    MsgKey: m.msgKey,
    MsgTime: m.time,
    OnlineOnlyFlag: m.onlineOnly,
    MsgBody: outcome.body,
    ...(outcome.cloudCustomData !== null && { CloudCustomData: outcome.cloudCustomData }),
  });
  return true;
}

export type SettlerDeps = Pick<ServiceContext, 'store' | 'webhooks' | 'sendLimits' | 'notifier' | 'online'> & {
  getApp(sdkappid: number): Promise<AppRecord | undefined>;
};

/**
 * Sends whose node died between reserving the message and settling it (the before-send webhook's
 * answer never came back) are settled as if that webhook had failed: sent under the app's
 * `allow` policy, refused under `reject`. A send counts as abandoned once it has been pending
 * longer than `abandonAfterSeconds` (more than the webhook's timeout, so no live call is taken
 * over); 0 takes every pending send, for a store only this process uses. Safe on many nodes.
 */
export async function settleAbandonedSends(deps: SettlerDeps, now: number, abandonAfterSeconds: number) {
  let settled = 0;
  for (const { sdkappid, message } of await deps.store.reads.pendingMessages(now - abandonAfterSeconds + 1, 100)) {
    const app = await deps.getApp(sdkappid);
    if (!app) continue;
    const ctx: ServiceContext = {
      ...deps,
      app,
      operator: '',
      clientIp: message.options.clientIp ?? '',
      now: () => now,
    };
    const id = message.officialAccountId;
    const done = await deps.store.transaction(async (tx) => {
      if (!(await tx.lockOfficialAccount(sdkappid, id))) return false;
      // Another node may have settled it meanwhile: only a row still pending is ours to settle.
      const current = (await tx.getMessages(sdkappid, id, [message.seq])).get(message.seq);
      if (current?.state !== 'pending') return false;
      const reserved: Reserved = {
        id,
        seq: current.seq,
        msgKey: current.msgKey,
        time: current.time,
        onlineOnly: current.onlineOnly ? 1 : 0,
        emitsAfter: !current.options.forbidCallbackControl?.includes(FORBID_AFTER_SEND),
      };
      const state = app.webhook.beforeFailure === 'reject' ? 'refused' : 'sent';
      return settleSend(ctx, tx, reserved, { state, body: current.body, cloudCustomData: current.cloudCustomData });
    });
    if (done) settled++;
  }
  return settled;
}

const INTERVAL_MS = 2000;
/** Past the webhook's timeout, so a call still waiting for its answer is never taken over. */
const GRACE_SECONDS = 3;

/**
 * Runs settleAbandonedSends at start and every two seconds. A SQLite store belongs to this
 * process alone, so whatever is pending at start was abandoned; on PostgreSQL another node may
 * be waiting for a webhook, so only sends older than the webhook timeout (plus a grace) are.
 */
export class AbandonedSendSettler {
  private timer: NodeJS.Timeout | undefined;
  private readonly afterSeconds: number;

  constructor(
    private readonly deps: SettlerDeps,
    private readonly options: {
      webhookTimeoutMs: number;
      clock: () => number;
      onError: (error: unknown) => void;
    },
  ) {
    this.afterSeconds = Math.ceil(options.webhookTimeoutMs / 1000) + GRACE_SECONDS;
  }

  async start(): Promise<void> {
    await this.run(this.deps.store.kind === 'sqlite' ? 0 : this.afterSeconds);
    this.timer = setInterval(() => void this.run(this.afterSeconds), INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async run(afterSeconds: number): Promise<void> {
    try {
      await settleAbandonedSends(this.deps, this.options.clock(), afterSeconds);
    } catch (e) {
      this.options.onError(e);
    }
  }
}
