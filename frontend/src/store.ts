// The screen's one connection to the car: a WebSocket that pushes broker updates and carries
// set-target requests. Reconnects by itself (backoff up to 2 s) and says so while it does.

export type Scalar = string | number | boolean | null | string[];

export interface SignalMeta {
  entry_type: string;
  datatype: string;
  unit: string | null;
  min: number | null;
  max: number | null;
  allowed: string[] | null;
}

export interface ModeInfo {
  value: string;
  name: string;
  kind: string;
  description: string;
  speed_limit_kph: number | null;
  regen_fraction: number;
  hvac_eco: boolean;
}

export interface VehicleInfo {
  id: string;
  name: string;
  is_estimate: boolean;
  assumptions: Record<string, string>;
}

export interface ScenarioInfo {
  id: string;
  name: string;
  description: string;
  steps: number;
}

export interface ScenarioStatus {
  id: string | null;
  playing: boolean;
  step: number;
  steps: number;
  error: string | null;
}

export interface Settings {
  distance_unit: "mi" | "km";
  temperature_unit: "C" | "F";
  theme: "day" | "night";
}

export interface State {
  connected: boolean;
  everConnected: boolean;
  values: Record<string, Scalar>;
  targets: Record<string, Scalar>;
  meta: Record<string, SignalMeta>;
  modes: ModeInfo[];
  vehicle: VehicleInfo | null;
  settings: Settings;
  timeS: number | null;
  lastError: string | null;
  history: { km: number; kwh: number }[];
  scenarios: ScenarioInfo[];
  scenario: ScenarioStatus | null;
}

export interface Result {
  ok: boolean;
  error?: { type: string; message: string };
}

const DEFAULT_SETTINGS: Settings = { distance_unit: "mi", temperature_unit: "C", theme: "day" };

type Listener = () => void;

export class CarLink {
  state: State = {
    connected: false,
    everConnected: false,
    values: {},
    targets: {},
    meta: {},
    modes: [],
    vehicle: null,
    settings: { ...DEFAULT_SETTINGS },
    timeS: null,
    lastError: null,
    history: [],
    scenarios: [],
    scenario: null,
  };
  private ws: WebSocket | null = null;
  private listeners = new Set<Listener>();
  private pending = new Map<number, (r: Result) => void>();
  private nextId = 1;
  private retryMs = 250;
  private scheduled = false;

  constructor(private readonly url: string) {}

  start(): void {
    this.open();
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Current value of an actuator/sensor; for actuators the requested target wins. */
  shown(path: string): Scalar | undefined {
    const t = this.state.targets[path];
    if (t !== undefined && t !== null) return t;
    return this.state.values[path];
  }

  set(path: string, value: Scalar): Promise<Result> {
    return this.request({ type: "set", path, value });
  }

  /** Play a bundled scenario in the running twin ("" stops the one playing). */
  playScenario(name: string): Promise<Result> {
    return this.request({ type: "scenario", name });
  }

  changeSettings(changes: Partial<Settings>): Promise<Result> {
    return this.request({ type: "settings", changes });
  }

  private request(body: Record<string, unknown>): Promise<Result> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      return Promise.resolve({
        ok: false,
        error: { type: "Disconnected", message: "not connected to the car: reconnecting" },
      });
    }
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, (r) => {
        if (!r.ok && r.error) this.state = { ...this.state, lastError: r.error.message };
        else this.state = { ...this.state, lastError: null };
        this.emit();
        resolve(r);
      });
      ws.send(JSON.stringify({ ...body, id }));
    });
  }

  dismissError(): void {
    this.state = { ...this.state, lastError: null };
    this.emit();
  }

  private emit(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      for (const fn of this.listeners) fn();
    });
  }

  private open(): void {
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.retryMs = 250;
    };
    ws.onmessage = (ev: MessageEvent<string>) => this.onMessage(JSON.parse(ev.data));
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      for (const resolve of this.pending.values())
        resolve({ ok: false, error: { type: "Disconnected", message: "connection lost" } });
      this.pending.clear();
      this.state = { ...this.state, connected: false };
      this.emit();
      this.retry();
    };
  }

  private retry(): void {
    const wait = this.retryMs;
    this.retryMs = Math.min(2000, this.retryMs * 2);
    setTimeout(() => this.open(), wait);
  }

  private onMessage(msg: any): void {
    switch (msg.type) {
      case "hello":
        this.state = {
          ...this.state,
          connected: true,
          everConnected: true,
          meta: msg.signals,
          modes: msg.modes ?? [],
          scenarios: msg.scenarios ?? [],
          vehicle: msg.vehicle,
          settings: { ...DEFAULT_SETTINGS, ...msg.settings },
          values: {},
          targets: {},
        };
        break;
      case "update": {
        const values = { ...this.state.values, ...msg.values };
        const targets = { ...this.state.targets, ...msg.targets };
        let history = this.state.history;
        const km = values["Vehicle.TraveledDistance"];
        const kwh = values["Vehicle.Powertrain.TractionBattery.AccumulatedConsumedEnergy"];
        if (typeof km === "number" && typeof kwh === "number") {
          const last = history[history.length - 1];
          if (!last || km - last.km >= 0.2 || km < last.km) {
            history = [...history.slice(-400), { km, kwh }];
          }
        }
        const scenario = msg.scenario ?? this.state.scenario;
        this.state = { ...this.state, values, targets, timeS: msg.time_s ?? null, history, scenario };
        break;
      }
      case "settings":
        this.state = { ...this.state, settings: { ...DEFAULT_SETTINGS, ...msg.settings } };
        break;
      case "result": {
        const done = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (done) done({ ok: msg.ok, error: msg.error });
        return;
      }
      default:
        return;
    }
    this.emit();
  }
}
