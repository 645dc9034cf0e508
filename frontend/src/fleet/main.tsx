import { render } from "preact";
import { FleetPage } from "./FleetPage";
import "./fleet.css";

render(<FleetPage api="/api/v1/fleet" />, document.getElementById("fleet")!);
