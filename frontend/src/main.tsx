import { render } from "preact";
import { App } from "./App";
import { CarLink } from "./store";
import "./style.css";

const proto = location.protocol === "https:" ? "wss:" : "ws:";
const link = new CarLink(`${proto}//${location.host}/hmi/ws`);
(window as unknown as { evtwinLink: CarLink }).evtwinLink = link;
link.start();
render(<App link={link} />, document.getElementById("app")!);
