// A representative UTC offset per country, for request-time features when the client sends no
// tz_offset_min. Countries spanning several zones get their most populous zone; DST is ignored.
const OFFSET_MINUTES: Record<string, number> = {
  US: -300, CA: -300, MX: -360, BR: -180, AR: -180, CL: -240, CO: -300, PE: -300, VE: -240,
  GB: 0, IE: 0, PT: 0, IS: 0, MA: 0, GH: 0, SN: 0,
  DE: 60, FR: 60, ES: 60, IT: 60, NL: 60, BE: 60, LU: 60, AT: 60, CH: 60, SE: 60, NO: 60, DK: 60, PL: 60,
  CZ: 60, SK: 60, HU: 60, HR: 60, SI: 60, RS: 60, NG: 60, DZ: 60, TN: 60,
  GR: 120, FI: 120, EE: 120, LV: 120, LT: 120, RO: 120, BG: 120, UA: 120, CY: 120, IL: 120, EG: 120, ZA: 120,
  TR: 180, RU: 180, SA: 180, KE: 180, QA: 180, BY: 180,
  AE: 240, OM: 240, PK: 300, IN: 330, LK: 330, NP: 345, BD: 360, TH: 420, VN: 420, ID: 420,
  CN: 480, HK: 480, SG: 480, MY: 480, PH: 480, TW: 480, AU: 600, JP: 540, KR: 540, NZ: 720,
};

export function countryUtcOffsetMinutes(country: string | undefined): number | undefined {
  return country === undefined ? undefined : OFFSET_MINUTES[country.toUpperCase()];
}
