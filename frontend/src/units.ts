import type { Settings } from "./store";

export const MI_PER_KM = 1 / 1.609344;

export function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** A set point to 0.5 °C ("19.5"), or to whole °F. */
export function setpoint(c: number | null, s: Settings): string {
  if (c === null) return "--";
  if (s.temperature_unit === "F") return String(Math.round(c * 1.8 + 32));
  return (Math.round(c * 2) / 2).toFixed(1);
}

export function temp(c: number | null, s: Settings, digits = 0): string {
  if (c === null) return "--";
  const v = s.temperature_unit === "F" ? c * 1.8 + 32 : c;
  return `${v.toFixed(digits)} °${s.temperature_unit}`;
}

export function distanceKm(km: number | null, s: Settings, digits = 0): string {
  if (km === null) return "--";
  return s.distance_unit === "mi"
    ? `${(km * MI_PER_KM).toFixed(digits)} mi`
    : `${km.toFixed(digits)} km`;
}

export function speedKph(kph: number | null, s: Settings): string {
  if (kph === null) return "--";
  return s.distance_unit === "mi"
    ? `${Math.round(kph * MI_PER_KM)} mph`
    : `${Math.round(kph)} km/h`;
}

/** kWh per 100 mi or per 100 km. */
export function consumption(kwhPerKm: number | null, s: Settings): string {
  if (kwhPerKm === null) return "--";
  return s.distance_unit === "mi"
    ? `${(kwhPerKm * 100 / MI_PER_KM).toFixed(1)} kWh/100 mi`
    : `${(kwhPerKm * 100).toFixed(1)} kWh/100 km`;
}

export function duration(seconds: number | null): string {
  if (seconds === null) return "--";
  const m = Math.round(seconds / 60);
  return m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m} min`;
}

export function clock(timeS: number | null): string {
  if (timeS === null) return "--:--";
  return new Date(timeS * 1000).toLocaleTimeString("en-GB", {
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "Europe/London",
  });
}
