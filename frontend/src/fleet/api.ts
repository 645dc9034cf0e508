// The fleet API's answers (evtwin fleet serve, docs/fleet.md): only the fields the page shows.

export interface Stats {
  p10: number | null;
  p50: number | null;
  p90: number | null;
  mean: number | null;
}

export interface Histogram {
  edges: number[];
  counts: number[];
}

export interface Consumption {
  cars_reporting: number;
  cars_with_distance: number;
  min_km: number;
  consumption_wh_per_km: Stats;
  range_km: Stats;
  histogram: { consumption_wh_per_km: Histogram; range_km: Histogram };
}

export interface Charging {
  cars_reporting: number;
  sessions: number;
  sessions_per_car: Stats;
  start_soc_percent: Stats;
  charged_energy_kwh: number;
}

export interface Software {
  cars: number;
  versions: Record<string, number>;
}

export interface Campaign {
  id: string;
  target_version: string;
  group: string[];
  status: "not started" | "in progress" | "complete";
  cars: number;
  on_target: number;
  on_target_share: number | null;
  not_on_target: number;
  versions: Record<string, number>;
  adoption: { day_start_s: number; cars_reached_target: number }[];
}

export interface Health {
  store: string;
  rows: number;
  retention_days: number;
}

export interface Fleet {
  health: Health;
  consumption: Consumption;
  charging: Charging;
  software: Software;
  campaigns: Campaign[];
}

async function get<T>(url: string): Promise<T> {
  const r = await fetch(url, { headers: { accept: "application/json" } });
  if (!r.ok) {
    let msg = `${r.status} ${r.statusText}`;
    try {
      const body = (await r.json()) as { error?: { message?: string } };
      if (body.error?.message) msg = body.error.message;
    } catch {
      /* not JSON: keep the status line */
    }
    throw new Error(`${url}: ${msg}`);
  }
  return (await r.json()) as T;
}

export async function loadFleet(api: string): Promise<Fleet> {
  const [health, consumption, charging, software, campaigns] = await Promise.all([
    get<Health>(`${api}/health`),
    get<Consumption>(`${api}/consumption`),
    get<Charging>(`${api}/charging`),
    get<Software>(`${api}/software`),
    get<{ campaigns: Campaign[] }>(`${api}/campaigns`),
  ]);
  return { health, consumption, charging, software, campaigns: campaigns.campaigns };
}
