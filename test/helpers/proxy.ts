/**
 * A TCP proxy on 127.0.0.1 in front of a Herald, so a test can fail the network between a client
 * and the server: `cut()` destroys every connection through it (the client sees an abnormal
 * close, 1006), `pause()` stops forwarding the server's bytes (a client that cannot keep up).
 */
import { type AddressInfo, createServer, type Server, Socket } from 'node:net';

export class TcpProxy {
  private readonly pairs = new Set<[Socket, Socket]>();
  private server: Server | undefined;
  private target: { host: string; port: number } = { host: '127.0.0.1', port: 0 };
  url = '';

  static async inFrontOf(url: string): Promise<TcpProxy> {
    const proxy = new TcpProxy();
    proxy.retarget(url);
    proxy.server = createServer((client) => proxy.accept(client));
    await new Promise<void>((resolve) => proxy.server?.listen(0, '127.0.0.1', resolve));
    proxy.url = `http://127.0.0.1:${(proxy.server.address() as AddressInfo).port}`;
    return proxy;
  }

  /** Later connections go to another server (a node that replaced the first). */
  retarget(url: string): void {
    const parsed = new URL(url);
    this.target = { host: parsed.hostname, port: Number(parsed.port) };
  }

  private accept(client: Socket): void {
    const upstream = new Socket();
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
    upstream.connect(this.target.port, this.target.host, () => {
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  /** Every connection through the proxy dies at once, with no close handshake. */
  cut(): void {
    for (const [client, upstream] of [...this.pairs]) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  /** Stops reading from the server: what it sends piles up in its own buffers. */
  pause(): void {
    for (const [, upstream] of this.pairs) {
      upstream.unpipe();
      upstream.pause();
    }
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
