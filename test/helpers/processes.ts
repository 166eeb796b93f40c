/**
 * Herald as a real child process (`herald serve` through the CLI), for tests of what only
 * processes show: several nodes on one database, SIGKILL, SIGTERM, start-up output.
 */
import { heraldArgs } from './cli.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface HeraldProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no cleanup at all. */
  kill(): Promise<void>;
}

/** `herald serve` started with `env` added to this process's environment, not yet listening. */
export interface StartingHerald {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** The exit code and signal, once it exits. */
  exited: Promise<[number | null, NodeJS.Signals | null]>;
}

/** Starts `herald serve` and returns at once, for tests of what happens before it listens. */
export function startHeraldProcess(env: Record<string, string>): StartingHerald {
  const child = spawn(process.execPath, heraldArgs(['serve']), {
    env: { ...process.env, HERALD_PORT: '0', HERALD_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, output: () => output, exited };
}

/** Starts `herald serve` with `env` added to this process's environment; resolves once it listens. */
export async function spawnHerald(env: Record<string, string>, timeoutMs = 20_000): Promise<HeraldProcess> {
  const { child, output, exited } = startHeraldProcess(env);

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`herald did not start within ${timeoutMs} ms:\n${output()}`)),
      timeoutMs,
    );
    const check = () => {
      const match = /Herald is serving on (\S+)/.exec(output());
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`herald exited with ${code} before listening:\n${output()}`));
    });
  });

  return {
    url,
    pid: child.pid as number,
    child,
    output,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = await exited;
      return code;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
