import { createContext } from "preact";
import { useContext, useEffect, useState } from "preact/hooks";
import type { CarLink, State } from "./store";

export const LinkContext = createContext<CarLink | null>(null);

export function useLink(): CarLink {
  const link = useContext(LinkContext);
  if (!link) throw new Error("no CarLink");
  return link;
}

export function useCar(): State {
  const link = useLink();
  const [state, setState] = useState(link.state);
  useEffect(() => link.subscribe(() => setState(link.state)), [link]);
  return state;
}
