// The trip the driver planned on this screen (Navigation), so Home can show its next stop.
import { useEffect, useState } from "preact/hooks";

export interface PlannedStop {
  name: string;
  arrive_soc_pct: number;
  depart_soc_pct: number;
  charge_min: number;
  power_kw: number;
}

export interface PlannedTrip {
  destination: string;
  stops: PlannedStop[];
  arrival_soc_p50: number | null;
}

let current: PlannedTrip | null = null;
const listeners = new Set<() => void>();

export function setTrip(trip: PlannedTrip | null): void {
  current = trip;
  for (const fn of listeners) fn();
}

export function useTrip(): PlannedTrip | null {
  const [trip, set] = useState(current);
  useEffect(() => {
    const fn = () => set(current);
    listeners.add(fn);
    return () => {
      listeners.delete(fn);
    };
  }, []);
  return trip;
}
