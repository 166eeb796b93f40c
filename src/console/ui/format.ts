/** How values are shown: times, message bodies, lists typed by hand. */
import type { MsgElement } from './types.ts';

const pad = (n: number) => String(n).padStart(2, '0');

/** A local date and time, `2026-01-01 09:00:00`; an empty mark for 0 (never). */
export function formatTime(value: number, unit: 'seconds' | 'ms' = 'seconds'): string {
  if (!value) return '—';
  const d = new Date(unit === 'seconds' ? value * 1000 : value);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** One line for a message element: its text, or what a custom or other element holds. */
export function describeElement(element: MsgElement): string {
  const content = element.MsgContent ?? {};
  if (element.MsgType === 'TIMTextElem') return String(content.Text ?? '');
  if (element.MsgType === 'TIMCustomElem') {
    const parts = ['Data', 'Desc', 'Ext']
      .filter((k) => typeof content[k] === 'string' && content[k] !== '')
      .map((k) => `${k}: ${String(content[k])}`);
    return `Custom — ${parts.join(' · ') || 'empty'}`;
  }
  return `${element.MsgType} ${JSON.stringify(content)}`;
}

export function describeBody(body: readonly unknown[]): string {
  return (body as MsgElement[]).map(describeElement).join(' ');
}

/** UserIDs typed by hand: separated by commas, spaces or new lines; blanks and repeats dropped. */
export function splitIds(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((id) => id !== ''))];
}

/** A random 32-bit number for a send's Random (a repeat within 5 minutes would be one message). */
export function randomUint32(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] ?? Date.now() % 4_294_967_296;
}
