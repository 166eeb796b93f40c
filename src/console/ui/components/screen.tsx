/** One screen: its title (also the document's), focused when the screen opens so readers hear it. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

export function Screen(props: { title: string; actions?: ComponentChildren; children: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · Herald console`;
  }, [props.title]);
  useEffect(() => {
    // Only when the screen is reached by navigation: a first load leaves focus where the browser put it.
    if (document.activeElement && document.activeElement !== document.body) heading.current?.focus();
  }, []);
  return (
    <section class="screen" aria-labelledby="screen-title">
      <div class="screen-head">
        <h1 id="screen-title" ref={heading} tabIndex={-1}>
          {props.title}
        </h1>
        {props.actions && <div class="actions">{props.actions}</div>}
      </div>
      {props.children}
    </section>
  );
}
