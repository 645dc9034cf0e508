import type { Histogram } from "./api";

/** A histogram as SVG bars; the figure's label and a visually hidden table carry the numbers
 * for screen readers. */
export function HistogramChart(props: { id: string; title: string; unit: string; data: Histogram }) {
  const { id, title, unit, data } = props;
  const n = data.counts.length;
  if (n === 0) return <p>No cars with enough distance yet.</p>;
  const max = Math.max(...data.counts, 1);
  const w = 480;
  const h = 160;
  const pad = 24;
  const top = 18; // room for the tallest bar's count
  const bw = (w - 2 * pad) / n;
  const cars = data.counts.reduce((a, b) => a + b, 0);
  const label = `${title}: ${cars} cars from ${data.edges[0]} to ${data.edges[n]} ${unit}`;
  return (
    <figure class="hist" data-testid={`hist-${id}`}>
      <figcaption id={`${id}-cap`}>{label}</figcaption>
      <svg viewBox={`0 ${-top} ${w} ${h + top + 28}`} role="img" aria-labelledby={`${id}-cap`}>
        {data.counts.map((c, i) => {
          const bh = (c / max) * h;
          return (
            <g key={i}>
              <rect class="bar" x={pad + i * bw + 1} y={h - bh} width={bw - 2} height={bh}>
                <title>
                  {`${data.edges[i]}–${data.edges[i + 1]} ${unit}: ${c} cars`}
                </title>
              </rect>
              {c > 0 && (
                <text class="count" x={pad + (i + 0.5) * bw} y={h - bh - 4} text-anchor="middle">
                  {c}
                </text>
              )}
            </g>
          );
        })}
        <line class="axis" x1={pad} y1={h} x2={w - pad} y2={h} />
        <text class="tick" x={pad} y={h + 18} text-anchor="start">{data.edges[0]}</text>
        <text class="tick" x={w - pad} y={h + 18} text-anchor="end">{`${data.edges[n]} ${unit}`}</text>
      </svg>
      <table class="sr-only">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">{unit}</th>
            <th scope="col">cars</th>
          </tr>
        </thead>
        <tbody>
          {data.counts.map((c, i) => (
            <tr key={i}>
              <td>{`${data.edges[i]}–${data.edges[i + 1]}`}</td>
              <td>{c}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
