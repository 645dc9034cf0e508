import L from "leaflet";
import "leaflet/dist/leaflet.css";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { Card, Row } from "./controls";
import { useCar, useLink } from "./hooks";
import { setTrip } from "./trip";
import { distanceKm, duration, num } from "./units";

interface Place {
  name: string;
  lat: number;
  lon: number;
}

interface Stop {
  charger_id: string;
  name: string;
  lat: number;
  lon: number;
  arrive_soc_pct: number;
  depart_soc_pct: number;
  charge_min: number;
  power_kw: number;
}

interface RoutePlan {
  stops: Stop[];
  totals?: Record<string, number>;
  geometry?: { lat: number[]; lon: number[] };
  arrival_soc_pct?: { p10: number; p50: number; p90: number };
  assumptions?: unknown;
  legs?: unknown[];
}

type RouteView =
  | { kind: "none" }
  | { kind: "loading" }
  | { kind: "coming" }
  | { kind: "error"; message: string }
  | { kind: "plan"; plan: RoutePlan };

const HOME: Place = { name: "Oakham", lat: 52.674, lon: -0.7223 };
const ROUTE = "Vehicle.Cabin.Infotainment.Navigation.Route";

/** What the car's own route guidance publishes (Navigation.Route.*), live. */
function Guidance() {
  const car = useCar();
  const link = useLink();
  const s = car.settings;
  const v = car.values;
  const active = v[`${ROUTE}.IsActive`] === true;
  const message = v[`${ROUTE}.Message`];
  const p50 = num(v[`${ROUTE}.ArrivalStateOfCharge`]);
  const p10 = num(v[`${ROUTE}.ArrivalStateOfChargeP10`]);
  const p90 = num(v[`${ROUTE}.ArrivalStateOfChargeP90`]);
  const next = v[`${ROUTE}.NextChargingStop.Name`];
  return (
    <Card title="Guidance">
      {active ? (
        <div data-testid="guidance">
          <Row label="To">{String(v[`${ROUTE}.DestinationName`] ?? "")}</Row>
          <Row label="Left">
            {distanceKm(num(v[`${ROUTE}.DistanceRemaining`]), s)},{" "}
            {duration(num(v[`${ROUTE}.TimeRemaining`]))}
          </Row>
          <Row label="Arrival charge" testid="guidance-arrival">
            {p50 === null ? "--" : `${Math.round(p50)} %`}
            {p10 !== null && p90 !== null ? ` (${Math.round(p10)}–${Math.round(p90)} %)` : ""}
          </Row>
          {next ? <Row label="Next charge">{String(next)}</Row> : null}
          <Row label="Re-plans">{num(v[`${ROUTE}.ReplanCount`]) ?? 0}</Row>
          <button type="button" onClick={() => void link.set(`${ROUTE}.Destination`, "")}>
            End guidance
          </button>
        </div>
      ) : (
        <p>{message ? String(message) : "No guidance active."}</p>
      )}
    </Card>
  );
}
const ATTRIBUTION =
  "© OpenStreetMap contributors · Contains OS data © Crown copyright and database right 2024 (OGL)";

const ROAD_STYLE: Record<string, L.PathOptions> = {
  trunk: { color: "#2e7d32", weight: 3 },
  primary: { color: "#c62828", weight: 3 },
  secondary: { color: "#ef6c00", weight: 2 },
  tertiary: { color: "#8d6e63", weight: 1.5 },
  unclassified: { color: "#9e9e9e", weight: 1 },
  residential: { color: "#bdbdbd", weight: 0.8 },
};

let placesCache: Promise<Place[]> | null = null;
function places(): Promise<Place[]> {
  placesCache ??= fetch("/screen/map/places.json").then((r) => r.json() as Promise<Place[]>);
  return placesCache;
}

function legPoints(leg: unknown): [number, number][] {
  // Accept a GeoJSON LineString geometry or a list of [lat, lon]/[lon, lat] if present.
  if (leg && typeof leg === "object" && "geometry" in leg) {
    const g = (leg as { geometry: { coordinates?: [number, number][] } }).geometry;
    if (g && Array.isArray(g.coordinates)) return g.coordinates.map(([lon, lat]) => [lat, lon]);
  }
  return [];
}

export function Navigation() {
  const car = useCar();
  const link = useLink();
  const s = car.settings;
  const mapDiv = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const routeLayer = useRef<L.LayerGroup | null>(null);
  const carMarker = useRef<L.CircleMarker | null>(null);
  const [query, setQuery] = useState("");
  const [all, setAll] = useState<Place[]>([]);
  const [dest, setDest] = useState<Place | null>(null);
  const [view, setView] = useState<RouteView>({ kind: "none" });
  const moving = (num(car.values["Vehicle.Speed"]) ?? 0) > 0;
  const lat = num(car.values["Vehicle.CurrentLocation.Latitude"]);
  const lon = num(car.values["Vehicle.CurrentLocation.Longitude"]);
  const here: Place = lat !== null && lon !== null ? { name: "Car", lat, lon } : HOME;

  useEffect(() => {
    void places().then(setAll);
    if (!mapDiv.current) return;
    const m = L.map(mapDiv.current, {
      center: [here.lat, here.lon],
      zoom: 10,
      attributionControl: true,
      preferCanvas: true,
    });
    m.attributionControl.setPrefix(false);
    m.createPane("route").style.zIndex = "640";
    m.createPane("car").style.zIndex = "650";
    m.attributionControl.addAttribution(ATTRIBUTION);
    fetch("/screen/map/rutland_roads.geojson")
      .then((r) => r.json())
      .then((gj) => {
        L.geoJSON(gj, {
          style: (f) => ROAD_STYLE[(f?.properties as { highway?: string })?.highway ?? ""] ?? ROAD_STYLE.residential,
          interactive: false,
        }).addTo(m);
      });
    fetch("/screen/map/gb_motorways.geojson")
      .then((r) => r.json())
      .then((gj) => {
        L.geoJSON(gj, { style: { color: "#3b6fb6", weight: 2 }, interactive: false }).addTo(m);
      });
    carMarker.current = L.circleMarker([here.lat, here.lon], {
      radius: 9,
      color: "#0b57d0",
      fillOpacity: 1,
      pane: "car",
    })
      .bindTooltip("Car")
      .addTo(m);
    routeLayer.current = L.layerGroup().addTo(m);
    map.current = m;
    return () => {
      m.remove();
      map.current = null;
    };
  }, []);

  useEffect(() => {
    carMarker.current?.setLatLng([here.lat, here.lon]); // the car moves along its route
  }, [here.lat, here.lon]);

  const matches = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (q.length < 2) return [];
    if (dest && dest.name.toLowerCase() === q) return []; // chosen: the list goes
    return all.filter((p) => p.name.toLowerCase().startsWith(q)).slice(0, 6);
  }, [query, all, dest]);

  const plan = async (to: Place) => {
    setDest(to);
    setQuery(to.name);
    setView({ kind: "loading" });
    const vehicle = car.vehicle?.id ?? "";
    const q = new URLSearchParams({
      from: `${here.lat},${here.lon}`,
      to: `${to.lat},${to.lon}`,
      vehicle,
    });
    const soc = num(car.values["Vehicle.Powertrain.TractionBattery.StateOfCharge.Displayed"]);
    if (soc !== null && soc > 0) q.set("soc", String(Math.round(soc)));
    try {
      const r = await fetch(`/api/v1/route?${q}`);
      if (r.status === 404) {
        const body = await r.json().catch(() => null);
        if (!body || body?.error?.type === "NotFound") {
          setView({ kind: "coming" });
          return;
        }
        setView({ kind: "error", message: body.error.message });
        return;
      }
      const body = await r.json();
      if (!r.ok) {
        setView({ kind: "error", message: body?.error?.message ?? `HTTP ${r.status}` });
        return;
      }
      const planned = body as RoutePlan;
      setView({ kind: "plan", plan: planned });
      setTrip({
        destination: to.name,
        stops: planned.stops ?? [],
        arrival_soc_p50: planned.arrival_soc_pct?.p50 ?? null,
      });
    } catch (e) {
      setView({ kind: "error", message: String(e) });
    }
  };

  useEffect(() => {
    const layer = routeLayer.current;
    const m = map.current;
    if (!layer || !m) return;
    layer.clearLayers();
    if (!dest) return;
    L.circleMarker([dest.lat, dest.lon], { radius: 8, color: "#b3261e", fillOpacity: 1, pane: "car" })
      .bindTooltip(dest.name)
      .addTo(layer);
    if (view.kind !== "plan") return;
    const stops = view.plan.stops ?? [];
    const geo = view.plan.geometry;
    let pts: [number, number][] =
      geo && Array.isArray(geo.lat) && geo.lat.length === geo.lon.length
        ? geo.lat.map((la, k) => [la, geo.lon[k]] as [number, number])
        : (view.plan.legs ?? []).flatMap(legPoints);
    if (pts.length === 0)
      pts = [[here.lat, here.lon], ...stops.map((st) => [st.lat, st.lon] as [number, number]), [dest.lat, dest.lon]];
    L.polyline(pts, { color: "#6a1b9a", weight: 5, pane: "route" }).addTo(layer);
    for (const st of stops)
      L.circleMarker([st.lat, st.lon], { radius: 7, color: "#e65100", fillOpacity: 1, pane: "car" })
        .bindTooltip(st.name)
        .addTo(layer);
    m.fitBounds(L.latLngBounds(pts), { padding: [30, 30], animate: false });
  }, [view, dest]);

  const totals = view.kind === "plan" ? view.plan.totals ?? {} : {};
  return (
    <div class="nav">
      <div class="map" ref={mapDiv} role="region" aria-label="Map" data-testid="map" />
      <div class="navside">
        <Card title="Destination">
          <label class="field">
            Search a town
            <input
              type="search"
              value={query}
              disabled={moving}
              placeholder={moving ? "Locked while driving" : "e.g. Leeds"}
              onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
            />
          </label>
          {moving ? null : (
            <ul class="results" aria-label="Matching places">
              {matches.map((p) => (
                <li key={p.name}>
                  <button type="button" onClick={() => void plan(p)}>
                    {p.name}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title="Route">
          {view.kind === "none" ? <p>Search a destination to plan a trip.</p> : null}
          {view.kind === "loading" ? <p>Planning…</p> : null}
          {view.kind === "coming" ? (
            <p data-testid="routing-coming">Routing is coming: the route planner is not on this twin yet.</p>
          ) : null}
          {view.kind === "error" ? (
            <p role="alert" data-testid="route-error">
              {view.message}
            </p>
          ) : null}
          {view.kind === "plan" ? (
            <div data-testid="route-plan">
              <Row label="To">{dest?.name ?? ""}</Row>
              {typeof totals.distance_km === "number" ? <Row label="Distance">{distanceKm(totals.distance_km, s)}</Row> : null}
              {typeof totals.total_min === "number" ? <Row label="Time">{duration(totals.total_min * 60)}</Row> : null}
              {typeof totals.charge_min === "number" ? <Row label="Charging">{duration(totals.charge_min * 60)}</Row> : null}
              {view.plan.arrival_soc_pct ? (
                <Row label="Arrival charge" testid="arrival-soc">
                  {Math.round(view.plan.arrival_soc_pct.p50)} % ({Math.round(view.plan.arrival_soc_pct.p10)}–
                  {Math.round(view.plan.arrival_soc_pct.p90)} %)
                </Row>
              ) : null}
              <button
                type="button"
                onClick={() => dest && void link.set(`${ROUTE}.Destination`, `${dest.lat},${dest.lon}`)}
              >
                Start guidance
              </button>
              <ol class="stops" aria-label="Charging stops">
                {(moving ? view.plan.stops.slice(0, 2) : view.plan.stops).map((st) => (
                  <li key={st.charger_id}>
                    <b>{st.name}</b>: {Math.round(st.arrive_soc_pct)} → {Math.round(st.depart_soc_pct)} %,{" "}
                    {Math.round(st.charge_min)} min at {Math.round(st.power_kw)} kW
                  </li>
                ))}
              </ol>
            </div>
          ) : null}
        </Card>
        <Guidance />
      </div>
    </div>
  );
}
