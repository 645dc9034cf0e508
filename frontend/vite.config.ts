import { defineConfig } from "vite";
import preact from "@preact/preset-vite";

// The build lands inside the Python package; the server serves index.html at "/" and the
// assets under "/screen/".
export default defineConfig({
  base: "/screen/",
  plugins: [preact()],
  build: {
    outDir: "../src/evtwin/hmi/static",
    emptyOutDir: true,
    chunkSizeWarningLimit: 600,
    // two pages: the car's screen and the fleet page (served by `evtwin fleet serve`)
    rollupOptions: { input: { main: "index.html", fleet: "fleet.html" } },
  },
});
