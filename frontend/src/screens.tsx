import { useState } from "preact/hooks";
import { Bar, Card, Choice, Row, Stepper, Toggle } from "./controls";
import { useCar, useLink } from "./hooks";
import { useTrip } from "./trip";
import {
  clock,
  consumption,
  distanceKm,
  duration,
  num,
  speedKph,
  temp,
} from "./units";

const B = "Vehicle.Powertrain.TractionBattery";
const C = `${B}.Charging`;
const U = "Vehicle.Software.Update";
const NAV = "Vehicle.Cabin.Infotainment.Navigation.Route";

function gear(v: unknown): string {
  const g = num(v);
  if (g === null) return "--";
  if (g === 126) return "P";
  if (g === 127) return "D";
  if (g === 0) return "N";
  if (g < 0) return "R";
  return String(g);
}

function kw(w: number | null): string {
  if (w === null) return "--";
  if (Math.abs(w) < 1000) return `${Math.round(w) || 0} W`; // no "-0"
  return `${(w / 1000).toFixed(1)} kW`;
}

/** A signed flow into the pack (W, a draw is negative) as the power drawn (W, ≥ 0). */
function drawW(flowW: number | null): number | null {
  return flowW === null ? null : Math.max(0, -flowW);
}

function title(v: unknown): string {
  return typeof v === "string" ? v.replace(/_/g, " ").toLowerCase() : "--";
}

export function HomeScreen() {
  const car = useCar();
  const s = car.settings;
  const v = car.values;
  const mode = car.modes.find((m) => m.value === (car.targets["Vehicle.TerrainResponse.Mode"] ?? v["Vehicle.TerrainResponse.Mode"]));
  const rangeM = num(v["Vehicle.Powertrain.Range"]);
  const routeActive = v[`${NAV}.IsActive`] === true;
  const trip = useTrip();
  return (
    <div class="grid home">
      <Card title="Speed">
        <div class="big" data-testid="speed">{speedKph(num(v["Vehicle.Speed"]), s)}</div>
        <Row label="Gear" testid="gear">{gear(v["Vehicle.Powertrain.Transmission.SelectedGear"])}</Row>
      </Card>
      <Card title="Mode">
        <div class="big" data-testid="mode">{mode?.name ?? title(v["Vehicle.TerrainResponse.Mode"])}</div>
        <Row label="Surface">{title(v["Vehicle.TerrainResponse.Surface"])}</Row>
      </Card>
      <Card title="Battery">
        <div class="big">{distanceKm(rangeM === null ? null : rangeM / 1000, s)}</div>
        <Row label="Charge">{num(v[`${B}.StateOfCharge.Displayed`]) ?? "--"} %</Row>
        <Row label="Cabin">{temp(num(v["Vehicle.Cabin.HVAC.AmbientAirTemperature"]), s, 1)}</Row>
      </Card>
      <Card title="Next charging stop">
        {routeActive ? (
          <div data-testid="next-stop">
            <div class="big">
              {String(
                v[`${NAV}.NextChargingStop.Name`] ||
                  (/^-?\d+\.\d+,/.test(String(v[`${NAV}.DestinationName`] ?? "")) && trip
                    ? trip.destination
                    : v[`${NAV}.DestinationName`]) ||
                  "--",
              )}
            </div>
            <Row label="Arrival charge">{num(v[`${NAV}.ArrivalStateOfCharge`]) ?? "--"} %</Row>
            <Row label="Stops">{num(v[`${NAV}.ChargingStopCount`]) ?? 0}</Row>
          </div>
        ) : trip ? (
          <div data-testid="next-stop">
            <div class="big">{trip.stops[0]?.name ?? trip.destination}</div>
            {trip.stops[0] ? (
              <Row label="Charge there">
                {Math.round(trip.stops[0].arrive_soc_pct)} → {Math.round(trip.stops[0].depart_soc_pct)} %,{" "}
                {Math.round(trip.stops[0].charge_min)} min
              </Row>
            ) : (
              <Row label="Charging stops">none needed</Row>
            )}
            <Row label="Destination">{trip.destination}</Row>
            {trip.arrival_soc_p50 !== null ? (
              <Row label="Arrival charge">{Math.round(trip.arrival_soc_p50)} %</Row>
            ) : null}
          </div>
        ) : (
          <p>No route active.</p>
        )}
      </Card>
    </div>
  );
}

const KEEP = "Vehicle.Cabin.HVAC.KeepClimate";
const PUMP = "Vehicle.Cabin.HVAC.HeatPump";
const KEEP_MODES = [
  { value: "OFF", label: "Off" },
  { value: "KEEP", label: "Keep" },
  { value: "DOG", label: "Dog" },
  { value: "CAMP", label: "Camp" },
];

export function ClimateScreen() {
  const car = useCar();
  const link = useLink();
  const s = car.settings;
  const v = car.values;
  const hvacOn = v["Vehicle.Cabin.HVAC.IsAirConditioningActive"];
  const dist = (side: "Driver" | "Passenger") =>
    `Vehicle.Cabin.HVAC.Station.Row1.${side}.AirDistribution`;
  const distOpts = ["UP", "MIDDLE", "DOWN"].map((x) => ({ value: x, label: title(x) }));
  const outsideC = num(v["Vehicle.Exterior.AirTemperature"]);
  const pump = v[`${PUMP}.State`];
  const keepMode = v[`${KEEP}.Mode`];
  const keepActive = v[`${KEEP}.IsActive`] === true;
  const estW = num(v[`${KEEP}.EstimatedPower`]);
  const leftS = num(v[`${KEEP}.EstimatedTimeRemaining`]);
  const usedKwh = num(v[`${KEEP}.Energy`]);
  const message = v[`${KEEP}.Message`];
  const floor = num(v[`${KEEP}.MinimumStateOfCharge`]);
  return (
    <div class="grid">
      <Card title="Cabin">
        <div class="big" data-testid="cabin-temp">{temp(num(v["Vehicle.Cabin.HVAC.AmbientAirTemperature"]), s, 1)}</div>
        <Row label="Outside">{temp(outsideC, s, 1)}</Row>
        <Row label="Climate running">{(num(v[`${B}.PowerFlow.Climate`]) ?? 0) < 0 ? "yes" : "no"}</Row>
        <Row label="A/C cooling">{hvacOn === true ? "yes" : "no"}</Row>
        <Row label="Climate draw" testid="climate-power">
          {/* PowerFlow is signed into the pack (a draw is negative); show the draw itself */}
          {kw(drawW(num(v[`${B}.PowerFlow.Climate`])))}
        </Row>
        <Row label="Heat pump" testid="heat-pump">
          {pump === "NOT_FITTED" ? "not fitted" : title(pump)}
          {pump === "HEATING" || pump === "COOLING" ? `, ${kw(num(v[`${PUMP}.Power`]))}` : ""}
        </Row>
      </Card>
      <Card title="Zones">
        <Choice path={dist("Driver")} label="Driver air" options={distOpts} value={link.shown(dist("Driver"))} />
        <Choice path={dist("Passenger")} label="Passenger air" options={distOpts} value={link.shown(dist("Passenger"))} />
        <Toggle path="Vehicle.Cabin.HVAC.IsAirConditioningActive" label="A/C" value={link.shown("Vehicle.Cabin.HVAC.IsAirConditioningActive")} />
      </Card>
      <Card title="Preconditioning">
        <Toggle
          path={`${C}.Plan.IsPreconditioningRequested`}
          label="Precondition"
          value={link.shown(`${C}.Plan.IsPreconditioningRequested`)}
        />
        <Row label="Ready by">{String(link.shown(`${C}.Plan.ReadyByTime`) ?? "now")}</Row>
      </Card>
      <Card title="Keep climate">
        <Choice path={`${KEEP}.Mode`} label="Parked mode" options={KEEP_MODES} value={link.shown(`${KEEP}.Mode`)} />
        <Row label="State" testid="keep-state">
          {keepMode === "OFF" || keepMode === undefined
            ? "off"
            : keepActive
              ? `${title(keepMode)} mode holding the cabin`
              : `${title(keepMode)} mode, starts when parked`}
        </Row>
        {message && keepMode !== "DOG" ? (
          <p class="why" data-testid="keep-message" role="status">
            {String(message)}
          </p>
        ) : null}
        <Row label="Drawing now" testid="keep-power">{kw(keepActive ? num(v[`${KEEP}.Power`]) : 0)}</Row>
        <Row label="Steady cost (estimate)" testid="keep-estimate">
          {estW ? `${(estW / 1000).toFixed(2)} kWh per hour` : "--"}
        </Row>
        <Row label="Can run for" testid="keep-left">
          {estW ? `${duration(leftS)} (to ${floor ?? 20} %)` : "--"}
        </Row>
        <Row label="Used so far">{usedKwh === null ? "--" : `${usedKwh.toFixed(2)} kWh`}</Row>
      </Card>
    </div>
  );
}

export function ChargingScreen() {
  const car = useCar();
  const link = useLink();
  const v = car.values;
  const s = car.settings;
  const plugged = v[`${C}.ChargingPort.AnyPosition.IsChargingCableConnected`] === true;
  const charging = v[`${C}.IsCharging`] === true;
  // What the session puts into the pack (its power flow), else the pack's net power.
  const chargeW = num(v[`${B}.PowerFlow.Charging`]) ?? num(v[`${B}.CurrentPower`]);
  const limit = num(link.shown(`${C}.ChargeLimit`));
  const [readyBy, setReadyBy] = useState("07:30");
  const moving = (num(v["Vehicle.Speed"]) ?? 0) > 0;
  const setReady = () => {
    const now = new Date((car.timeS ?? Date.now() / 1000) * 1000);
    const [h, m] = readyBy.split(":").map(Number);
    const t = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), h, m));
    if (t <= now) t.setUTCDate(t.getUTCDate() + 1);
    void link.set(`${C}.Plan.ReadyByTime`, t.toISOString().replace(/\.\d+Z$/, "Z"));
  };
  return (
    <div class="grid">
      <Card title="Charge">
        <div class="big" data-testid="charge-kw">
          {charging && chargeW !== null ? kw(chargeW) : plugged ? "plugged in" : "not plugged in"}
        </div>
        {v[`${C}.RefusalReason`] && !charging ? (
          <p class="why" data-testid="not-charging">
            Not charging: {String(v[`${C}.RefusalReason`])}
          </p>
        ) : null}
        <Row label="Cable" testid="plugged">{plugged ? "connected" : "not connected"}</Row>
        <Row label="Charging" testid="is-charging">{charging ? "yes" : "no"}</Row>
        <Row label="Session average">{num(v[`${C}.AveragePower`])?.toFixed(1) ?? "--"} kW</Row>
        <Row label="Time to target">{charging ? duration(num(v[`${C}.TimeToComplete`])) : "--"}</Row>
        <Row label="Adds">
          {distanceKm(num(v[`${C}.ChargeRate`]), s)} per hour
        </Row>
        <div class="buttons">
          <button type="button" onClick={() => void link.set(`${C}.StartStopCharging`, "START")}>Start charging</button>
          <button type="button" onClick={() => void link.set(`${C}.StartStopCharging`, "STOP")}>Stop charging</button>
        </div>
      </Card>
      <Card title="Limit and schedule">
        <Stepper
          path={`${C}.ChargeLimit`}
          label="Charge limit"
          value={limit}
          display={limit === null ? "--" : `${limit} %`}
          step={5}
          min={50}
          max={100}
          testid="charge-limit"
        />
        <Choice
          path={`${C}.Plan.Mode`}
          label="When to charge"
          options={[
            { value: "IMMEDIATE", label: "Now" },
            { value: "READY_BY", label: "Ready by" },
            { value: "CHEAPEST", label: "Off-peak" },
          ]}
          value={link.shown(`${C}.Plan.Mode`)}
        />
        <label class="field">
          Departure time (UTC)
          <input type="time" value={readyBy} disabled={moving} onInput={(e) => setReadyBy((e.target as HTMLInputElement).value)} />
        </label>
        <button type="button" disabled={moving} onClick={setReady}>Set departure</button>
        <Row label="Planned">
          {v[`${C}.Plan.PlannedStartTime`]
            ? `${String(v[`${C}.Plan.PlannedStartTime`])} → ${String(v[`${C}.Plan.PlannedEndTime`])}`
            : "no window planned"}
        </Row>
        <Row label="Planned energy">{num(v[`${C}.Plan.PlannedEnergy`])?.toFixed(1) ?? "--"} kWh</Row>
      </Card>
      <Card title="Battery">
        <Row label="Charge">{num(v[`${B}.StateOfCharge.Displayed`]) ?? "--"} %</Row>
        <Row label="Pack temperature">{temp(num(v[`${B}.Temperature.Average`]), s, 1)}</Row>
        <Toggle
          path={`${C}.Plan.IsPreconditioningRequested`}
          label="Battery and cabin preconditioning"
          value={link.shown(`${C}.Plan.IsPreconditioningRequested`)}
        />
      </Card>
    </div>
  );
}

export function EnergyScreen() {
  const car = useCar();
  const s = car.settings;
  const v = car.values;
  const h = car.history;
  const first = h[0];
  const last = h[h.length - 1];
  const trip = first && last ? last.km - first.km : null;
  const used = first && last ? last.kwh - first.kwh : null;
  const perKm = trip !== null && used !== null && trip > 0.1 ? used / trip : null;
  const motorKw = num(v["Vehicle.Powertrain.ElectricMotor.Power"]);
  const packW = num(v[`${B}.CurrentPower`]);
  // The power flows each service reports into the pack (W, + into the pack).
  const flow = (name: string) => {
    return kw(num(v[`${B}.PowerFlow.${name}`]));
  };
  const energyKwh = num(v[`${B}.StateOfCharge.CurrentEnergy`]);
  const rangeM = num(v["Vehicle.Powertrain.Range"]);
  const planPerKm = energyKwh !== null && rangeM ? energyKwh / (rangeM / 1000) : null;
  return (
    <div class="grid">
      <Card title="Using power now">
        <p class="note">Into the battery: + charges it, − draws from it.</p>
        <Row label="Drive" testid="flow-drive">{flow("Drive")}</Row>
        <Row label="Climate" testid="flow-climate">{flow("Climate")}</Row>
        <Row label="Battery heating">{flow("BatteryHeating")}</Row>
        <Row label="12 V system">{flow("LowVoltage")}</Row>
        <Row label="Charging">{flow("Charging")}</Row>
        <Row label="Battery total">{kw(packW)}</Row>
        <Row label="Motor">{motorKw === null ? "--" : `${motorKw.toFixed(1)} kW`}</Row>
      </Card>
      <Card title="Consumption">
        <div class="big">{consumption(perKm, s)}</div>
        <Row label="Range estimate assumes">{consumption(planPerKm, s)}</Row>
        <Row label="Since this screen opened">{distanceKm(trip, s, 1)}</Row>
        <Row label="Energy used">{used === null ? "--" : `${used.toFixed(2)} kWh`}</Row>
      </Card>
      <Card title="Trip meters">
        <Row label="Odometer">{distanceKm(num(v["Vehicle.TraveledDistance"]), s, 1)}</Row>
        <Row label="Consumed (life)">{num(v[`${B}.AccumulatedConsumedEnergy`])?.toFixed(1) ?? "--"} kWh</Row>
        <Row label="Charged (life)">{num(v[`${B}.AccumulatedChargedEnergy`])?.toFixed(1) ?? "--"} kWh</Row>
      </Card>
    </div>
  );
}

/** Start one of the bundled scenarios in the running twin (not while moving). */
function ScenarioCard() {
  const car = useCar();
  const link = useLink();
  const moving = (num(car.values["Vehicle.Speed"]) ?? 0) > 0;
  const st = car.scenario;
  const playing = st?.playing === true ? car.scenarios.find((x) => x.id === st.id) : undefined;
  return (
    <Card title="Scenarios">
      {playing ? (
        <p data-testid="scenario-status" role="status">
          Playing {playing.name}: step {st?.step ?? 0} of {st?.steps ?? playing.steps}
        </p>
      ) : st?.error ? (
        <p class="why" data-testid="scenario-status" role="status">
          Scenario stopped: {st.error}
        </p>
      ) : (
        <p data-testid="scenario-status">No scenario playing.</p>
      )}
      <div role="group" aria-label="Scenarios" class="choice">
        {car.scenarios.map((x) => (
          <button
            type="button"
            key={x.id}
            title={x.description}
            disabled={moving || playing !== undefined}
            onClick={() => void link.playScenario(x.id)}
          >
            {x.name}
          </button>
        ))}
      </div>
      {playing ? (
        <button type="button" class="toggle" onClick={() => void link.playScenario("")}>
          Stop scenario
        </button>
      ) : null}
    </Card>
  );
}

export function DriveScreen() {
  const car = useCar();
  const link = useLink();
  const v = car.values;
  const s = car.settings;
  const current = link.shown("Vehicle.TerrainResponse.Mode");
  const mode = car.modes.find((m) => m.value === current);
  const depth = num(v["Vehicle.TerrainResponse.Wading.Depth"]);
  const maxDepth = num(v["Vehicle.TerrainResponse.Wading.MaxDepth"]);
  return (
    <div class="grid">
      <Card title="Terrain modes" wide>
        <Choice
          path="Vehicle.TerrainResponse.Mode"
          label="Drive mode"
          options={car.modes.map((m) => ({ value: m.value, label: m.name }))}
          value={current}
        />
        {mode ? (
          <p data-testid="mode-description">
            {mode.description} Regeneration {Math.round(mode.regen_fraction * 100)} %
            {mode.speed_limit_kph ? `, top speed ${speedKph(mode.speed_limit_kph, s)}` : ""}
            {mode.hvac_eco ? ", eco climate" : ""}.
          </p>
        ) : null}
      </Card>
      <Card title="Towing">
        <Toggle path="Vehicle.Trailer.IsTowingModeEnabled" label="Towing mode" value={link.shown("Vehicle.Trailer.IsTowingModeEnabled")} />
        <Row label="Trailer">{v["Vehicle.Trailer.IsConnected"] === true ? `${num(v["Vehicle.Trailer.Mass"]) ?? "--"} kg` : "none"}</Row>
        <Toggle
          path="Vehicle.TerrainResponse.IsHillDescentControlEnabled"
          label="Hill descent control"
          value={link.shown("Vehicle.TerrainResponse.IsHillDescentControlEnabled")}
        />
      </Card>
      <ScenarioCard />
      <Card title="Wading">
        <Row label="Depth">{depth === null ? "--" : `${depth} mm`}</Row>
        <Row label="Limit">{maxDepth === null ? "--" : `${maxDepth} mm`}</Row>
        <Bar label="Wading depth" percent={depth !== null && maxDepth ? (100 * depth) / maxDepth : 0} />
        {v["Vehicle.TerrainResponse.Wading.IsLimitExceeded"] === true ? <p role="alert">Wading limit exceeded</p> : null}
      </Card>
    </div>
  );
}

export function UpdatesScreen() {
  const car = useCar();
  const link = useLink();
  const v = car.values;
  const state = typeof v[`${U}.State`] === "string" ? (v[`${U}.State`] as string) : "IDLE";
  const size = num(v[`${U}.AvailableSize`]);
  const images = Array.isArray(v["Vehicle.Software.InstalledImages"]) ? (v["Vehicle.Software.InstalledImages"] as string[]) : [];
  const offered = ["AVAILABLE", "CONSENTED", "DOWNLOADING", "DEFERRED", "SCHEDULED", "READY_TO_INSTALL"].includes(state);
  const [when, setWhen] = useState("02:00");
  const moving = (num(v["Vehicle.Speed"]) ?? 0) > 0;
  const schedule = () => {
    const now = new Date((car.timeS ?? Date.now() / 1000) * 1000);
    const [h, m] = when.split(":").map(Number);
    const t = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), h, m));
    if (t <= now) t.setUTCDate(t.getUTCDate() + 1);
    void link.set(`${U}.ScheduledTime`, t.toISOString().replace(/\.\d+Z$/, "Z"));
    void link.set(`${U}.IsInstallApproved`, true);
  };
  return (
    <div class="grid">
      <Card title="Software update">
        <div class="big" data-testid="ota-state">{title(state)}</div>
        {offered || state !== "IDLE" ? (
          <>
            <Row label="Version" testid="ota-version">{String(v[`${U}.AvailableVersion`] ?? "--")}</Row>
            <Row label="Size">{size === null ? "--" : size < 1e6 ? `${(size / 1e3).toFixed(1)} kB` : `${(size / 1e6).toFixed(1)} MB`}</Row>
            <Row label="For">{Array.isArray(v[`${U}.Ecus`]) ? (v[`${U}.Ecus`] as string[]).join(", ") : "--"}</Row>
            <Row label="Consent">{title(v[`${U}.ConsentMode`])}</Row>
          </>
        ) : (
          <p>No update offered.</p>
        )}
        {v[`${U}.DeferredReason`] ? <p data-testid="ota-deferred">Held back: {String(v[`${U}.DeferredReason`])}</p> : null}
        {v[`${U}.LastError`] ? <p data-testid="ota-error" class="warn">{String(v[`${U}.LastError`])}</p> : null}
        {state === "ROLLED_BACK" ? <p data-testid="ota-rollback" class="warn">The update failed its health check; the car went back to the previous software.</p> : null}
        {state === "SUCCEEDED" ? <p data-testid="ota-success">Update installed.</p> : null}
      </Card>
      <Card title="Install">
        <div class="buttons">
          <button type="button" disabled={state !== "AVAILABLE"} onClick={() => void link.set(`${U}.IsInstallApproved`, true)}>
            Install now
          </button>
          <button type="button" disabled={state !== "AVAILABLE" || moving} onClick={schedule}>
            Schedule
          </button>
          <button type="button" disabled={state !== "AVAILABLE"} onClick={() => void link.set(`${U}.IsInstallApproved`, false)}>
            Later
          </button>
        </div>
        <label class="field">
          Install at (UTC)
          <input type="time" value={when} disabled={moving} onInput={(e) => setWhen((e.target as HTMLInputElement).value)} />
        </label>
        <Bar label="Download progress" percent={num(v[`${U}.DownloadProgress`])} />
        <Bar label="Install progress" percent={num(v[`${U}.InstallProgress`])} />
      </Card>
      <Card title="Installed">
        <Row label="Software">{String(v["Vehicle.Software.CurrentVersion"] ?? "--")}</Row>
        <ul class="images" data-testid="installed-images">
          {images.map((i) => {
            const [ecu, image] = i.split("=", 2);
            return (
              <li key={i}>
                {ecu}: {image || "factory image"}
              </li>
            );
          })}
        </ul>
      </Card>
    </div>
  );
}

export function SettingsScreen() {
  const car = useCar();
  const link = useLink();
  const s = car.settings;
  const group = <K extends "distance_unit" | "temperature_unit" | "theme">(
    key: K,
    label: string,
    options: { value: string; label: string }[],
  ) => (
    <div role="group" aria-label={label} class="choice labelled">
      <span class="grouplabel" aria-hidden="true">
        {label}
      </span>
      {options.map((o) => (
        <button
          type="button"
          key={o.value}
          aria-pressed={s[key] === o.value}
          class={s[key] === o.value ? "on" : ""}
          onClick={() => void link.changeSettings({ [key]: o.value })}
        >
          {o.label}
        </button>
      ))}
    </div>
  );
  const vehicle = car.vehicle;
  const moving = (num(car.values["Vehicle.Speed"]) ?? 0) > 0;
  return (
    <div class="grid">
      <Card title="Display">
        {group("distance_unit", "Distance", [
          { value: "mi", label: "Miles" },
          { value: "km", label: "Kilometres" },
        ])}
        {group("temperature_unit", "Temperature", [
          { value: "C", label: "°C" },
          { value: "F", label: "°F" },
        ])}
        {group("theme", "Theme", [
          { value: "day", label: "Day" },
          { value: "night", label: "Night" },
        ])}
        <p class="note">Twin time {clock(car.timeS)} (UK)</p>
      </Card>
      <Card title="Vehicle">
        <div class="name">{vehicle?.name ?? "--"}</div>
        {vehicle?.is_estimate ? (
          <div data-testid="estimate">
            <span class="badge estimate">ESTIMATE</span>
            <p>This profile is estimated, not published data.</p>
            {moving ? (
              <p class="note">Its assumptions are listed when the car is stopped.</p>
            ) : (
            <ul class="assumptions" tabIndex={0} aria-label="Assumptions">
              {Object.entries(vehicle.assumptions).map(([k, a]) => (
                <li key={k}>
                  <b>{k}</b>: {a}
                </li>
              ))}
            </ul>
            )}
          </div>
        ) : (
          <p>Published data.</p>
        )}
      </Card>
      <Card title="Data and attributions">
        <ul class="attrib" data-testid="attributions">
          <li>Map: © OpenStreetMap contributors (ODbL).</li>
          <li>Motorways: Contains OS data © Crown copyright and database right 2024 (OGL v3).</li>
          <li>Places: GeoNames (geonames.org, CC BY 4.0) and © OpenStreetMap contributors.</li>
          <li>Chargers: UK National Chargepoint Registry (2017 snapshot), OGL v3.</li>
          <li>Signals: COVESA Vehicle Signal Specification 6.0 (MPL-2.0).</li>
        </ul>
      </Card>
    </div>
  );
}
