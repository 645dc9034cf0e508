import { useCallback, useEffect, useState } from "preact/hooks";
import { loadFleet, type Campaign, type Fleet, type Stats } from "./api";
import { HistogramChart } from "./Histogram";

const REFRESH_MS = 30_000;

function fmt(x: number | null | undefined, digits = 0): string {
  return x === null || x === undefined ? "—" : x.toLocaleString("en-GB", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function StatsRow(props: { name: string; unit: string; s: Stats; testid: string }) {
  const { name, unit, s, testid } = props;
  return (
    <tr data-testid={testid}>
      <th scope="row">{`${name} (${unit})`}</th>
      <td data-k="p10">{fmt(s.p10, 1)}</td>
      <td data-k="p50">{fmt(s.p50, 1)}</td>
      <td data-k="p90">{fmt(s.p90, 1)}</td>
      <td data-k="mean">{fmt(s.mean, 1)}</td>
    </tr>
  );
}

function Bar(props: { value: number; max: number; label: string }) {
  const pct = props.max > 0 ? (100 * props.value) / props.max : 0;
  return (
    <div class="hbar" aria-hidden="true" title={props.label}>
      <div class="hbar-fill" style={{ width: `${pct}%` }} />
    </div>
  );
}

function day(s: number): string {
  return new Date(s * 1000).toISOString().slice(0, 10);
}

function CampaignCard(props: { c: Campaign }) {
  const c = props.c;
  const share = c.on_target_share === null ? null : Math.round(c.on_target_share * 1000) / 10;
  const status = c.status.replace(" ", "-");
  return (
    <article class="campaign" data-testid={`campaign-${c.id}`} aria-labelledby={`camp-${c.id}`}>
      <h3 id={`camp-${c.id}`}>
        {`Campaign ${c.id} → ${c.target_version} `}
        <span class={`status status-${status}`} data-testid="campaign-status">{c.status}</span>
      </h3>
      <p>
        {c.group.length ? `Group: VINs starting ${c.group.join(", ")}` : "Group: the whole fleet"}
      </p>
      <label class="progress-label" for={`prog-${c.id}`}>
        <span data-testid="campaign-on-target">{c.on_target}</span>
        {" of "}
        <span data-testid="campaign-cars">{c.cars}</span>
        {` cars on ${c.target_version} (${share === null ? "—" : `${share} %`})`}
      </label>
      <progress id={`prog-${c.id}`} max={Math.max(c.cars, 1)} value={c.on_target} />
      {c.adoption.length > 0 && (
        <table class="adoption">
          <caption>Cars on target by day (UTC, cumulative)</caption>
          <thead>
            <tr>
              <th scope="col">day</th>
              <th scope="col">cars</th>
            </tr>
          </thead>
          <tbody>
            {c.adoption.map((a) => (
              <tr key={a.day_start_s}>
                <td>{day(a.day_start_s)}</td>
                <td>{a.cars_reached_target}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </article>
  );
}

export function FleetPage(props: { api: string }) {
  const [fleet, setFleet] = useState<Fleet | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loadedAt, setLoadedAt] = useState<Date | null>(null);
  const [busy, setBusy] = useState(false);

  const refresh = useCallback(async () => {
    setBusy(true);
    try {
      setFleet(await loadFleet(props.api));
      setError(null);
      setLoadedAt(new Date());
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }, [props.api]);

  useEffect(() => {
    void refresh();
    const t = window.setInterval(() => void refresh(), REFRESH_MS);
    return () => window.clearInterval(t);
  }, [refresh]);

  const versions = fleet ? Object.entries(fleet.software.versions) : [];
  const vmax = Math.max(1, ...versions.map(([, n]) => n));

  return (
    <div class="fleet-page" data-ready={fleet ? "yes" : "no"}>
      <header class="fleet-head">
        <h1>evtwin fleet</h1>
        <p class="size">
          <span class="big" data-testid="fleet-size">{fleet ? fleet.software.cars : "…"}</span>
          {" cars reporting"}
        </p>
        <button type="button" onClick={() => void refresh()} disabled={busy}>
          {busy ? "Refreshing…" : "Refresh"}
        </button>
        <p class="muted" aria-live="polite">
          {loadedAt ? `Updated ${loadedAt.toLocaleTimeString("en-GB")}` : "Loading…"}
        </p>
      </header>
      {error && (
        <p role="alert" class="error">
          {`Could not load the fleet: ${error}`}
        </p>
      )}
      {fleet && (
        <main>
          <section aria-labelledby="h-range" class="card wide">
            <h2 id="h-range">Range and consumption</h2>
            <p>
              {`${fleet.consumption.cars_with_distance} of ${fleet.consumption.cars_reporting} cars drove at least ${fleet.consumption.min_km} km in the window.`}
            </p>
            <table class="stats">
              <caption>Per car, across the fleet</caption>
              <thead>
                <tr>
                  <th scope="col">measure</th>
                  <th scope="col">p10</th>
                  <th scope="col">median</th>
                  <th scope="col">p90</th>
                  <th scope="col">mean</th>
                </tr>
              </thead>
              <tbody>
                <StatsRow name="Consumption" unit="Wh/km" s={fleet.consumption.consumption_wh_per_km} testid="stats-consumption" />
                <StatsRow name="Range" unit="km" s={fleet.consumption.range_km} testid="stats-range" />
              </tbody>
            </table>
            <div class="hists">
              <HistogramChart id="consumption" title="Consumption per car" unit="Wh/km" data={fleet.consumption.histogram.consumption_wh_per_km} />
              <HistogramChart id="range" title="Range per car" unit="km" data={fleet.consumption.histogram.range_km} />
            </div>
          </section>
          <section aria-labelledby="h-charging" class="card">
            <h2 id="h-charging">Charging</h2>
            <dl class="kv">
              <dt>Sessions</dt>
              <dd data-testid="charging-sessions">{fleet.charging.sessions}</dd>
              <dt>Sessions per car (median)</dt>
              <dd>{fmt(fleet.charging.sessions_per_car.p50, 1)}</dd>
              <dt>SOC at plug-in (median)</dt>
              <dd>{`${fmt(fleet.charging.start_soc_percent.p50)} %`}</dd>
              <dt>SOC at plug-in (p10–p90)</dt>
              <dd>{`${fmt(fleet.charging.start_soc_percent.p10)}–${fmt(fleet.charging.start_soc_percent.p90)} %`}</dd>
              <dt>Energy charged</dt>
              <dd data-testid="charged-energy">{`${fmt(fleet.charging.charged_energy_kwh, 1)} kWh`}</dd>
            </dl>
          </section>
          <section aria-labelledby="h-software" class="card">
            <h2 id="h-software">Software versions</h2>
            <table class="versions">
              <caption>Each car's latest reported version</caption>
              <thead>
                <tr>
                  <th scope="col">version</th>
                  <th scope="col">cars</th>
                  <th scope="col">
                    <span class="sr-only">share</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {versions.map(([v, n]) => (
                  <tr key={v} data-testid={`version-${v}`}>
                    <th scope="row">{v}</th>
                    <td data-k="cars">{n}</td>
                    <td>
                      <Bar value={n} max={vmax} label={`${v}: ${n} cars`} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section aria-labelledby="h-campaigns" class="card wide">
            <h2 id="h-campaigns">Campaigns</h2>
            {fleet.campaigns.length === 0 ? (
              <p>No campaign configured (start the service with --campaign ID:TARGET).</p>
            ) : (
              <div class="campaigns">
                {fleet.campaigns.map((c) => (
                  <CampaignCard key={c.id} c={c} />
                ))}
              </div>
            )}
          </section>
        </main>
      )}
      <footer class="muted">
        {fleet
          ? `${fleet.health.rows.toLocaleString("en-GB")} telemetry rows (${fleet.health.store}), kept ${fleet.health.retention_days} days. Figures are what cars report; simulated fleets are model output, not measured data.`
          : ""}
      </footer>
    </div>
  );
}
