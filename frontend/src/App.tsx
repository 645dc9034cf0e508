import { useEffect, useRef, useState } from "preact/hooks";
import { Stepper, Toggle } from "./controls";
import { LinkContext, useCar, useLink } from "./hooks";
import { Navigation } from "./nav";
import {
  ChargingScreen,
  ClimateScreen,
  DriveScreen,
  EnergyScreen,
  HomeScreen,
  SettingsScreen,
  UpdatesScreen,
} from "./screens";
import type { CarLink } from "./store";
import { clock, distanceKm, num, setpoint, temp } from "./units";

export const TABS = [
  "Home",
  "Navigation",
  "Climate",
  "Charging",
  "Energy",
  "Drive",
  "Updates",
  "Settings",
] as const;
type Tab = (typeof TABS)[number];

const KEEP = "Vehicle.Cabin.HVAC.KeepClimate";

export const P = {
  speed: "Vehicle.Speed",
  outside: "Vehicle.Exterior.AirTemperature",
  soc: "Vehicle.Powertrain.TractionBattery.StateOfCharge.Displayed",
  range: "Vehicle.Powertrain.Range",
  conn: "Vehicle.Connectivity.IsConnectivityAvailable",
  ota: "Vehicle.Software.Update.State",
  hvac: "Vehicle.Cabin.HVAC",
  driverT: "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature",
  passT: "Vehicle.Cabin.HVAC.Station.Row1.Passenger.Temperature",
  fan: "Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed",
  recirc: "Vehicle.Cabin.HVAC.IsRecirculationActive",
  auto: "Vehicle.Cabin.HVAC.IsAutoPowerOptimize",
  frontDef: "Vehicle.Cabin.HVAC.IsFrontDefrosterActive",
  rearDef: "Vehicle.Cabin.HVAC.IsRearDefrosterActive",
  seatD: "Vehicle.Cabin.Seat.Row1.DriverSide.HeatingCooling",
  seatP: "Vehicle.Cabin.Seat.Row1.PassengerSide.HeatingCooling",
  wheel: "Vehicle.Chassis.SteeringWheel.HeatingCooling",
} as const;

const OTA_BADGE = new Set([
  "AVAILABLE",
  "CONSENTED",
  "DOWNLOADING",
  "READY_TO_INSTALL",
  "DEFERRED",
  "SCHEDULED",
  "INSTALLING",
  "REBOOTING",
]);

function StatusBar() {
  const car = useCar();
  const link = useLink();
  const s = car.settings;
  const soc = num(car.values[P.soc]);
  const rangeM = num(car.values[P.range]);
  const ota = car.values[P.ota];
  const cloud = car.values[P.conn];
  return (
    <header class="status" aria-label="Status">
      <span data-testid="clock" aria-label="Time">{clock(car.timeS)}</span>
      <span data-testid="outside" aria-label="Outside temperature">
        {temp(num(car.values[P.outside]), s)} outside
      </span>
      <span data-testid="soc" aria-label="State of charge">
        {soc === null ? "--" : `${Math.round(soc)} %`}
      </span>
      <span data-testid="range" aria-label="Range">
        {distanceKm(rangeM === null ? null : rangeM / 1000, s)}
      </span>
      <span
        data-testid="connectivity"
        class={car.connected ? "ok" : "warn"}
        aria-label="Connectivity"
      >
        {car.connected ? (cloud === false ? "Car online, no cloud" : "Online") : "Reconnecting…"}
      </span>
      {typeof ota === "string" && OTA_BADGE.has(ota) ? (
        <span class="badge" data-testid="update-badge">Update {ota.toLowerCase().replace(/_/g, " ")}</span>
      ) : null}
      {car.vehicle?.is_estimate ? <span class="badge estimate">ESTIMATE</span> : null}
      <span class="vehicle">{car.vehicle?.name ?? ""}</span>
      {car.lastError ? (
        <div role="alert" class="refusal" data-testid="refusal">
          {car.lastError}
          <button type="button" onClick={() => link.dismissError()} aria-label="Dismiss message">
            ×
          </button>
        </div>
      ) : null}
    </header>
  );
}

const HEAT_STEPS = [0, 33, 66, 100];

function heatLabel(v: unknown): string {
  const n = num(v) ?? 0;
  return n <= 0 ? "off" : n < 50 ? "1" : n < 80 ? "2" : "3";
}

function HeatButton(props: { path: string; label: string }) {
  const car = useCar();
  const link = useLink();
  const v = num(car.targets[props.path] ?? car.values[props.path]) ?? 0;
  const next = HEAT_STEPS.find((h) => h > v) ?? 0;
  return (
    <button
      type="button"
      class={v > 0 ? "toggle on" : "toggle"}
      aria-pressed={v > 0}
      aria-label={`${props.label}: ${heatLabel(v)}`}
      onClick={() => void link.set(props.path, next)}
    >
      {props.label} {heatLabel(v)}
    </button>
  );
}

function ClimateStrip() {
  const car = useCar();
  const link = useLink();
  const s = car.settings;
  const step = s.temperature_unit === "F" ? 5 / 9 : 0.5;
  const round = (v: number) =>
    s.temperature_unit === "F" ? (Math.round(v * 1.8 + 32) - 32) / 1.8 : Math.round(v * 2) / 2;
  const dT = num(link.shown(P.driverT));
  const pT = num(link.shown(P.passT));
  const fan = num(link.shown(P.fan));
  return (
    <footer class="strip" aria-label="Climate controls">
      <Stepper
        path={P.driverT}
        label="Driver temperature"
        short="Driver"
        value={dT}
        display={setpoint(dT, s)}
        step={step}
        min={15}
        max={28}
        round={round}
        testid="driver-setpoint"
      />
      <Toggle path={P.auto} label="Auto power" value={link.shown(P.auto)} />
      <Stepper
        path={P.fan}
        label="Fan"
        short="Fan"
        value={fan}
        display={fan === null ? "--" : `${Math.round(fan / 10)}`}
        step={10}
        min={0}
        max={100}
        testid="fan"
      />
      <Toggle path={P.recirc} label="Recirculation" value={link.shown(P.recirc)} />
      <HeatButton path={P.seatD} label="Driver seat" />
      <HeatButton path={P.wheel} label="Wheel" />
      <HeatButton path={P.seatP} label="Passenger seat" />
      <Toggle path={P.frontDef} label="Front defrost" value={link.shown(P.frontDef)} />
      <Toggle path={P.rearDef} label="Rear defrost" value={link.shown(P.rearDef)} />
      <Stepper
        path={P.passT}
        label="Passenger temperature"
        short="Passenger"
        value={pT}
        display={setpoint(pT, s)}
        step={step}
        min={15}
        max={28}
        round={round}
        testid="passenger-setpoint"
      />
    </footer>
  );
}

function Tabs(props: { tab: Tab; onTab: (t: Tab) => void }) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const onKey = (e: KeyboardEvent, i: number) => {
    let j = i;
    if (e.key === "ArrowRight" || e.key === "ArrowDown") j = (i + 1) % TABS.length;
    else if (e.key === "ArrowLeft" || e.key === "ArrowUp") j = (i + TABS.length - 1) % TABS.length;
    else if (e.key === "Home") j = 0;
    else if (e.key === "End") j = TABS.length - 1;
    else return;
    e.preventDefault();
    props.onTab(TABS[j]);
    refs.current[j]?.focus();
  };
  return (
    <nav aria-label="Screens">
      <div role="tablist" aria-orientation="vertical" class="tabs">
        {TABS.map((t, i) => (
          <button
            type="button"
            role="tab"
            id={`tab-${t}`}
            key={t}
            ref={(el) => {
              refs.current[i] = el;
            }}
            aria-selected={props.tab === t}
            aria-controls={`panel-${t}`}
            tabIndex={props.tab === t ? 0 : -1}
            onClick={() => props.onTab(t)}
            onKeyDown={(e) => onKey(e, i)}
          >
            {t}
          </button>
        ))}
      </div>
    </nav>
  );
}

function Screen(props: { tab: Tab }) {
  switch (props.tab) {
    case "Home":
      return <HomeScreen />;
    case "Navigation":
      return <Navigation />;
    case "Climate":
      return <ClimateScreen />;
    case "Charging":
      return <ChargingScreen />;
    case "Energy":
      return <EnergyScreen />;
    case "Drive":
      return <DriveScreen />;
    case "Updates":
      return <UpdatesScreen />;
    case "Settings":
      return <SettingsScreen />;
  }
}

function Shell() {
  const car = useCar();
  const [tab, setTab] = useState<Tab>(() => {
    const h = decodeURIComponent(location.hash.slice(1));
    return (TABS as readonly string[]).includes(h) ? (h as Tab) : "Home";
  });
  const moving = (num(car.values[P.speed]) ?? 0) > 0;
  const dogMode =
    car.values[`${KEEP}.Mode`] === "DOG" &&
    car.values[`${KEEP}.IsActive`] === true &&
    Boolean(car.values[`${KEEP}.Message`]);
  useEffect(() => {
    document.documentElement.dataset.theme = car.settings.theme;
    document.documentElement.dataset.moving = moving ? "true" : "false";
  }, [car.settings.theme, moving]);
  const choose = (t: Tab) => {
    setTab(t);
    history.replaceState(null, "", `#${t}`);
  };
  return (
    <div class="shell" data-connected={car.connected ? "true" : "false"}>
      <StatusBar />
      {!car.connected ? (
        <div class="reconnecting" role="status" data-testid="reconnecting">
          {car.everConnected ? "Reconnecting to the car…" : "Connecting to the car…"}
        </div>
      ) : null}
      {moving ? (
        <div class="lockout" role="status" data-testid="lockout">
          Driving: text entry and long lists are locked
        </div>
      ) : dogMode ? (
        <div class="dogmode" role="status" data-testid="dog-banner">
          {String(car.values[`${KEEP}.Message`])}
        </div>
      ) : null}
      <Tabs tab={tab} onTab={choose} />
      <div
        role="tabpanel"
        id={`panel-${tab}`}
        aria-labelledby={`tab-${tab}`}
        class="panel"
        tabIndex={0}
      >
        <h1 class="sr-only">{tab}</h1>
        <Screen tab={tab} />
      </div>
      <ClimateStrip />
    </div>
  );
}

export function App(props: { link: CarLink }) {
  return (
    <LinkContext.Provider value={props.link}>
      <Shell />
    </LinkContext.Provider>
  );
}
