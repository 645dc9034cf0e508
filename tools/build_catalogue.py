"""Regenerate the real-vehicle spec files in src/evtwin/data/vehicles from the shared
calibration table (../shared/data/vehicles/ev_specs.csv).

Run: .venv/bin/python tools/build_catalogue.py [path/to/ev_specs.csv]

Rows missing a required key are skipped and listed (nothing is guessed). Hand-written
estimate profiles (defender-sport, mercedes-g-class-small-electric) are not touched.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "evtwin" / "data" / "vehicles"
DEFAULT_CSV = ROOT.parent / "shared" / "data" / "vehicles" / "ev_specs.csv"

SLUGS = {
    "BMW iX1 eDrive20": "bmw-ix1-edrive20",
    "BMW iX1 xDrive30": "bmw-ix1-xdrive30",
    "Mercedes-Benz EQA 250+": "mercedes-eqa-250plus",
    "Mercedes-Benz EQB 250+": "mercedes-eqb-250plus",
    "Volvo EX30 Single Motor Extended Range": "volvo-ex30-single-motor-er",
    "Volvo XC40 Recharge Single Motor Extended Range (= EX40 Single Motor ER)": (
        "volvo-ex40-single-motor-er"
    ),
    "Kia EV3 Long Range": "kia-ev3-long-range",
    "Hyundai Kona Electric 65.4 kWh (2nd gen)": "hyundai-kona-electric-65",
    "Volkswagen ID.4 Pro (128 kW / 174 PS, 77 kWh)": "vw-id4-pro-128kw",
    "Skoda Elroq 85": "skoda-elroq-85",
    "Tesla Model Y RWD (pre-2025 body)": "tesla-model-y-rwd-2022",
    "Ford Explorer Extended Range RWD": "ford-explorer-er-rwd",
    "Renault Scenic E-Tech electric 87 kWh 220 hp": "renault-scenic-87kwh",
    "Porsche Macan 4 Electric": "porsche-macan-4-electric",
    "Volkswagen ID.3 Pro S (77 kWh, 150 kW)": "vw-id3-pro-s",
    "MG4 Electric Long Range 64 kWh (Trophy)": "mg4-long-range-64",
    "Skoda Enyaq iV 80 (150 kW)": "skoda-enyaq-iv80",
    "Skoda Enyaq 85 (210 kW)": "skoda-enyaq-85",
    "BYD Atto 3 (60.5 kWh)": "byd-atto3-60",
    "Lexus RZ 450e": "lexus-rz-450e",
    "Toyota bZ4X FWD": "toyota-bz4x-fwd",
    "Kia Niro EV (2nd gen)": "kia-niro-ev",
    "Mercedes-Benz CLA 250+ with EQ Technology": "mercedes-cla-250plus",
    "Audi Q6 e-tron quattro": "audi-q6-etron-quattro",
    "BMW iX3 50 xDrive (Neue Klasse)": "bmw-ix3-50-xdrive",
    "Polestar 4 Long Range Single Motor": "polestar-4-lr-single",
}
REQUIRED = ("kerb_mass_kg", "usable_battery_kwh", "width_mm", "height_mm", "motor_power_kw")
NUMERIC = (
    "kerb_mass_kg",
    "usable_battery_kwh",
    "width_mm",
    "height_mm",
    "motor_power_kw",
    "drag_coefficient",
    "frontal_area_m2",
    "wheel_diameter_in",
    "battery_voltage_v",
    "dc_peak_power_kw",
    "ac_onboard_kw",
    "uk_price_gbp",
)
OFFICIAL = ("wltp_range_km", "wltp_consumption_wh_per_km", "dc_10_80_min")

_MEB = "VW MEB rear drive unit (APP310/APP550): permanent-magnet synchronous motor"
# Motor types (primary, secondary for AWD, basis): makers' public technical descriptions.
MOTORS: dict[str, tuple[str, str | None, str]] = {
    "bmw-ix1-edrive20": ("eesm", None, "BMW 5th-generation eDrive: current-excited synchronous"),
    "bmw-ix1-xdrive30": (
        "eesm",
        "eesm",
        "BMW 5th-generation eDrive, one per axle: current-excited synchronous",
    ),
    "renault-scenic-87kwh": ("eesm", None, "Renault wound-rotor (electrically excited) motor"),
    "vw-id3-pro-s": ("pmsm", None, _MEB),
    "vw-id4-pro-128kw": ("pmsm", None, _MEB),
    "skoda-enyaq-iv80": ("pmsm", None, _MEB),
    "skoda-enyaq-85": ("pmsm", None, _MEB),
    "skoda-elroq-85": ("pmsm", None, _MEB),
    "ford-explorer-er-rwd": ("pmsm", None, _MEB),
    "porsche-macan-4-electric": (
        "pmsm",
        "pmsm",
        "Porsche PPE: permanently excited synchronous machines on both axles",
    ),
    "lexus-rz-450e": ("pmsm", "pmsm", "Toyota eAxle permanent-magnet motors, front and rear"),
}

CHEMISTRY: dict[str, tuple[str, str]] = {
    # spec key battery_chemistry (nmc/nca/lfp) where a source states it; others default to
    # nmc in the models (and say so in their answers' assumptions)
    "byd-atto3-60": (
        "lfp",
        "BYD Blade battery, lithium iron phosphate (BYD Atto 3 press kit and spec sheet; "
        "the row's notes: 'LFP Blade pack 126s1p')",
    ),
}


# spec key kerb_mass_basis from the table's kerb_mass_basis column (what the cited source
# says its kerb mass includes); a source that does not say is "unknown", never guessed.
# The Dutch "massa rijklaar" is the EU mass in running order (RDW: driver included).
KERB_BASES: tuple[tuple[str, str], ...] = (
    ("EU unladen incl. 75 kg driver", "eu_incl_driver"),
    ("Dutch 'rijklaar' mass", "eu_incl_driver"),
    ("not stated", "unknown"),
)


def kerb_mass_basis(text: str) -> str:
    """The spec's ``kerb_mass_basis`` for the table's free-text basis column."""
    for prefix, basis in KERB_BASES:
        if text.strip().startswith(prefix):
            return basis
    raise SystemExit(f"kerb_mass_basis {text!r}: add its meaning to KERB_BASES")


def q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def num(s: str) -> str:
    x = float(s)
    return str(int(x)) if x.is_integer() else repr(x)


def render(row: dict[str, str], slug: str) -> str:
    lines = [
        f"# {row['name']} ({row['model_year']}). Generated by tools/build_catalogue.py from",
        "# ../shared/data/vehicles/ev_specs.csv; edit the table, not this file.",
        f"id = {q(slug)}",
        f"name = {q(row['name'])}",
        'profile = "published"',
        f"model_year = {q(row['model_year'])}",
        f"drivetrain = {q(row['drivetrain'])}",
    ]
    for key in NUMERIC:
        if row.get(key, "").strip():
            lines.append(f"{key} = {num(row[key])}")
        if key == "kerb_mass_kg":
            lines.append(f"kerb_mass_basis = {q(kerb_mass_basis(row['kerb_mass_basis']))}")
    hp = row.get("heat_pump", "").strip().lower()
    if hp == "yes":
        lines.append("heat_pump = true")
    motor = MOTORS.get(slug)
    if motor is not None:
        lines.append(f"motor_type = {q(motor[0])}")
        if motor[1] is not None:
            lines.append(f"secondary_motor_type = {q(motor[1])}")
    chem = CHEMISTRY.get(slug)
    if chem is not None:
        lines.append(f"battery_chemistry = {q(chem[0])}")
    uncertain = [u.split("(")[0].strip() for u in row["uncertain_fields"].split(";") if u.strip()]
    uncertain = [u for u in uncertain if u and u != "not stated"]
    if uncertain:
        lines.append("uncertain = [" + ", ".join(q(u) for u in uncertain) + "]")
    notes = row["notes"].strip()
    if hp == "optional":
        notes = (notes + "; " if notes else "") + "heat pump optional: base car modelled without"
    lines.append(f"notes = {q(notes)}")
    lines.append("")
    lines.append("[official]  # maker/regulatory figures: validation references, never inputs")
    for key in OFFICIAL:
        if row.get(key, "").strip():
            lines.append(f"{key} = {num(row[key])}")
    lines.append("")
    lines.append("[sources]")
    lines.append(f"all = {q(row['source'])}")
    lines.append(f"kerb_mass_kg = {q('basis: ' + row['kerb_mass_basis'])}")
    lines.append(f"trust = {q(row['trust'])}")
    if row["uncertain_fields"].strip():
        lines.append(f"uncertain_fields = {q(row['uncertain_fields'])}")
    if motor is not None:
        lines.append(f"motor_type = {q(motor[2])}")
    if chem is not None:
        lines.append(f"battery_chemistry = {q(chem[1])}")
    return "\n".join(lines) + "\n"


def main() -> None:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CSV
    rows = list(csv.DictReader(src.open(encoding="utf-8")))
    OUT.mkdir(parents=True, exist_ok=True)
    written, skipped = 0, []
    for row in rows:
        slug = SLUGS[row["name"]]
        missing = [k for k in REQUIRED if not row.get(k, "").strip()]
        if missing:
            skipped.append(f"{row['name']}: missing {', '.join(missing)}")
            continue
        (OUT / f"{slug}.toml").write_text(render(row, slug), encoding="utf-8")
        written += 1
    print(f"wrote {written} spec files to {OUT}")
    for s in skipped:
        print(f"skipped {s}")


if __name__ == "__main__":
    main()
