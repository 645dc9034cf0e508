"""Elevation from SRTM ``.hgt`` tiles (a DEM the user supplies) and a route's grade profile.

An SRTM ``.hgt`` tile is a raw square of big-endian signed 16-bit heights in metres, rows from
north to south, columns from west to east: 3601 x 3601 samples for 1 arc-second tiles (SRTM1)
or 1201 x 1201 for 3 arc-seconds (SRTM3), edges shared with the neighbouring tiles. The
file's name is its south-west corner: ``N52W001.hgt`` covers 52..53 °N, 1..0 °W. -32768 marks
a void (no data). The format is trivial, so it is read here with numpy (memory-mapped).

Heights are bilinear between the four samples around a point; void samples are left out and
the weights of the others renormalised; a point with four void samples, or outside every
tile in the folder, has no height (NaN). Segments that touch such a point are flat, and the
plan says how much of the route that is.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from evtwin.errors import NavigationError

__all__ = ["HGT_VOID", "MAX_GRADE", "Dem", "RouteGrades", "route_grades"]

FloatArray = npt.NDArray[np.float64]
HGT_VOID = -32768
MAX_GRADE = 0.12
"""Grades are clipped to ±12 % (steeper stretches of a DEM profile are mostly DEM noise on
short segments; assumption)."""
SAMPLE_STEP_M = 100.0
"""The route is sampled this often for heights; vertex heights are a 3-sample moving average
(smooths DEM noise; assumption)."""
_SIZES = {3601 * 3601 * 2: 3601, 1201 * 1201 * 2: 1201}
_NAME = re.compile(r"^([NS])(\d{2})([EW])(\d{3})\.hgt$", re.IGNORECASE)


def _tile_origin(name: str) -> tuple[int, int]:
    m = _NAME.match(name)
    if m is None:
        raise NavigationError(
            f"DEM tile {name!r}: an SRTM tile is named by its south-west corner, e.g. N52W001.hgt"
        )
    lat = int(m.group(2)) * (1 if m.group(1).upper() == "N" else -1)
    lon = int(m.group(4)) * (1 if m.group(3).upper() == "E" else -1)
    if not (-90 <= lat < 90 and -180 <= lon < 180):
        raise NavigationError(f"DEM tile {name!r}: corner {lat}, {lon} is not on the globe")
    return lat, lon


def _tile_side(path: Path) -> int:
    """Samples per side of a tile file (1201 or 3601), or a clear error."""
    _tile_origin(path.name)
    try:
        size = path.stat().st_size
    except OSError as e:
        raise NavigationError(f"DEM tile {path}: cannot read it ({e.strerror})") from None
    n = _SIZES.get(size)
    if n is None:
        raise NavigationError(
            f"DEM tile {path}: {size} bytes is not an SRTM tile (1 arc-second: 3601 x 3601 "
            f"samples = {3601 * 3601 * 2} bytes; 3 arc-second: 1201 x 1201 = "
            f"{1201 * 1201 * 2} bytes)"
        )
    return n


@dataclass(slots=True)
class Dem:
    """A folder of SRTM ``.hgt`` tiles; tiles are opened (memory-mapped) on first use."""

    folder: Path
    tiles: dict[tuple[int, int], Path] = field(init=False)
    _open: dict[tuple[int, int], npt.NDArray[np.int16]] = field(init=False)

    def __post_init__(self) -> None:
        self.folder = Path(self.folder)
        if not self.folder.is_dir():
            raise NavigationError(f"--dem {self.folder}: not a folder of SRTM .hgt tiles")
        files = sorted(p for p in self.folder.iterdir() if p.suffix.lower() == ".hgt")
        if not files:
            raise NavigationError(
                f"--dem {self.folder}: no .hgt tiles in it (SRTM tiles named like N52W001.hgt)"
            )
        self.tiles = {}
        for p in files:
            key = _tile_origin(p.name)
            if key in self.tiles:
                raise NavigationError(
                    f"--dem {self.folder}: {p.name} and {self.tiles[key].name} are the same tile"
                )
            _tile_side(p)
            self.tiles[key] = p
        self._open = {}

    def _tile(self, key: tuple[int, int]) -> npt.NDArray[np.int16]:
        if key not in self._open:
            path = self.tiles[key]
            n = _tile_side(path)
            self._open[key] = np.memmap(path, dtype=">i2", mode="r", shape=(n, n))
        return self._open[key]

    def elevation_m(self, lat: FloatArray, lon: FloatArray) -> FloatArray:
        """Bilinear heights (m) at the points; NaN outside the tiles or where all is void."""
        lat = np.asarray(lat, dtype=np.float64)
        lon = np.asarray(lon, dtype=np.float64)
        out = np.full(lat.shape, np.nan)
        t_lat = np.floor(lat).astype(np.int64)
        t_lon = np.floor(lon).astype(np.int64)
        for key in set(zip(t_lat.tolist(), t_lon.tolist(), strict=True)):
            if key not in self.tiles:
                continue
            sel = (t_lat == key[0]) & (t_lon == key[1])
            z = self._tile(key)
            n = z.shape[0] - 1
            # row 0 is the north edge
            r = (key[0] + 1 - lat[sel]) * n
            c = (lon[sel] - key[1]) * n
            r0 = np.clip(np.floor(r).astype(np.int64), 0, n - 1)
            c0 = np.clip(np.floor(c).astype(np.int64), 0, n - 1)
            fr, fc = r - r0, c - c0
            num = np.zeros(r.shape)
            den = np.zeros(r.shape)
            for dr, dc, w in (
                (0, 0, (1 - fr) * (1 - fc)),
                (0, 1, (1 - fr) * fc),
                (1, 0, fr * (1 - fc)),
                (1, 1, fr * fc),
            ):
                h = np.asarray(z[r0 + dr, c0 + dc], dtype=np.float64)
                ok = h != HGT_VOID
                num += np.where(ok, w * h, 0.0)
                den += np.where(ok, w, 0.0)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[sel] = np.where(den > 1e-12, num / np.maximum(den, 1e-12), np.nan)
        return out


@dataclass(frozen=True, slots=True)
class RouteGrades:
    """Per-segment grade (rise/run) of a route, and how much of it had no height."""

    grade: FloatArray
    vertex_m: FloatArray
    """Height at each vertex (NaN where none)."""
    no_data_m: float
    """Road length (m) without heights (outside the tiles or void), taken as flat."""
    coarse_m: float
    """Coarse straight-line length (m), taken as flat."""
    climb_m: float
    descent_m: float


def route_grades(
    dem: Dem,
    lat: FloatArray,
    lon: FloatArray,
    seg_m: FloatArray,
    coarse: npt.NDArray[np.bool_],
) -> RouteGrades:
    """Grades of a route's segments from the DEM (see the module docstring)."""
    cum = np.concatenate(([0.0], np.cumsum(seg_m)))
    total = float(cum[-1])
    n_s = max(int(np.ceil(total / SAMPLE_STEP_M)), 1) + 1
    s = np.linspace(0.0, total, n_s)
    h = dem.elevation_m(np.interp(s, cum, lat), np.interp(s, cum, lon))
    if n_s >= 3:
        pad = np.concatenate(([h[0]], h, [h[-1]]))
        win = np.stack([pad[:-2], pad[1:-1], pad[2:]])
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-void windows stay NaN
            h = np.where(np.isnan(h), np.nan, np.nanmean(win, axis=0))
    known = ~np.isnan(h)
    hv = np.full(cum.shape, np.nan)
    if known.any():
        hv = np.interp(cum, s[known], h[known])
        # a vertex is known only if the samples around it are
        idx = np.clip(np.searchsorted(s, cum), 1, n_s - 1)
        hv = np.where(known[idx] & known[idx - 1], hv, np.nan)
    dh = np.diff(hv)
    usable = np.isfinite(dh) & (seg_m > 1.0) & ~coarse
    grade = np.zeros(seg_m.shape)
    grade[usable] = np.clip(dh[usable] / seg_m[usable], -MAX_GRADE, MAX_GRADE)
    rise = grade * seg_m
    return RouteGrades(
        grade=grade,
        vertex_m=hv,
        no_data_m=float(seg_m[~np.isfinite(dh) & ~coarse].sum()),
        coarse_m=float(seg_m[coarse].sum()),
        climb_m=float(rise[rise > 0].sum()),
        descent_m=float(-rise[rise < 0].sum()),
    )
