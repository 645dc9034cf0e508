import type { ComponentChildren } from "preact";
import { useRef } from "preact/hooks";
import { useLink } from "./hooks";
import type { Scalar } from "./store";

/** A toggle bound to a boolean actuator: shows the requested (target) state. */
export function Toggle(props: { path: string; label: string; value: Scalar | undefined }) {
  const link = useLink();
  const on = props.value === true;
  return (
    <button
      type="button"
      class={on ? "toggle on" : "toggle"}
      aria-pressed={on}
      onClick={() => void link.set(props.path, !on)}
    >
      {props.label}
    </button>
  );
}

/** Buttons choosing one of an actuator's allowed values. */
export function Choice(props: {
  path: string;
  label: string;
  options: { value: string; label: string }[];
  value: Scalar | undefined;
}) {
  const link = useLink();
  return (
    <div role="group" aria-label={props.label} class="choice labelled">
      <span class="grouplabel" aria-hidden="true">
        {props.label}
      </span>
      {props.options.map((o) => (
        <button
          type="button"
          key={o.value}
          aria-pressed={props.value === o.value}
          class={props.value === o.value ? "on" : ""}
          onClick={() => void link.set(props.path, o.value)}
        >
          {o.label}
        </button>
      ))}
    </div>
  );
}

/** − value + stepper for a numeric actuator. */
export function Stepper(props: {
  path: string;
  label: string;
  value: number | null;
  display: string;
  step: number;
  min: number;
  max: number;
  testid?: string;
  short?: string;
  round?: (v: number) => number;
}) {
  const link = useLink();
  const round = props.round ?? ((v: number) => v);
  // Taps faster than the broker's echo build on the last value sent, not the last shown.
  const pending = useRef<{ value: number; at: number } | null>(null);
  const go = (d: number) => {
    const p = pending.current;
    const base =
      p && performance.now() - p.at < 1500 && p.value !== props.value
        ? p.value
        : (props.value ?? props.min);
    const next = Math.min(props.max, Math.max(props.min, round(base + d)));
    pending.current = { value: next, at: performance.now() };
    void link.set(props.path, next);
  };
  return (
    <div class="stepper" role="group" aria-label={props.label}>
      {props.short ? (
        <span class="steplabel" aria-hidden="true">
          {props.short}
        </span>
      ) : null}
      <button type="button" aria-label={`${props.label} down`} onClick={() => go(-props.step)}>
        −
      </button>
      <output aria-live="polite" data-testid={props.testid} aria-label={props.label}>
        {props.display}
      </output>
      <button type="button" aria-label={`${props.label} up`} onClick={() => go(props.step)}>
        +
      </button>
    </div>
  );
}

export function Card(props: { title: string; children: ComponentChildren; wide?: boolean }) {
  return (
    <section class={props.wide ? "card wide" : "card"} aria-label={props.title}>
      <h2>{props.title}</h2>
      {props.children}
    </section>
  );
}

export function Row(props: { label: string; children: ComponentChildren; testid?: string }) {
  return (
    <div class="row">
      <span class="label">{props.label}</span>
      <span class="value" data-testid={props.testid}>
        {props.children}
      </span>
    </div>
  );
}

export function Bar(props: { label: string; percent: number | null }) {
  const p = props.percent ?? 0;
  return (
    <div
      class="bar"
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(p)}
    >
      <div style={{ width: `${p}%` }} />
    </div>
  );
}
