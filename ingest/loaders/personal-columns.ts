/**
 * Which columns of a table hold personal data. A table with any is personal: its rows are kept as records for
 * verified lookups and never enter a shared retrieval index (ingest/loaders/csv.ts). Two signals, both generic:
 * the column's name in common schema vocabulary (email, phone, address, postcode, names of people, birth date,
 * bank and card numbers), and its values (most non-empty values look like email addresses or phone numbers).
 */

/** Column names (normalised to snake_case) that denote personal data in common schemas. */
const PERSONAL_NAME =
  /(^|_)(e_?mail|email_address|phone|phone_number|mobile|telephone|tel|address|street|address_line_?\d?|postcode|post_code|postal_code|zip|zip_code|zipcode|first_name|last_name|full_name|given_name|family_name|surname|customer_name|contact_name|birth_?date|date_of_birth|dob|iban|card_number|card|ssn|national_id|passport|tax_id)($|_)/;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;
const PHONE = /^\+?[\d\s().-]{7,20}$/;
/** Dates look like phone numbers to PHONE: 2026-01-05, 05/01/2026, 5.1.26. */
const DATE = /^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})$/;

const normName = (h: string) => h.toLowerCase().trim().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");

/** The personal columns of a table: by name, or by values (at least 60% of non-empty values). */
export function personalColumns(headers: string[], rows: string[][]): string[] {
  return headers.filter((h, i) => {
    if (PERSONAL_NAME.test(normName(h))) return true;
    let filled = 0;
    let emails = 0;
    let phones = 0;
    for (const r of rows) {
      const v = r[i]?.trim();
      if (!v) continue;
      filled++;
      if (EMAIL.test(v)) emails++;
      else if (PHONE.test(v) && !DATE.test(v) && (v.match(/\d/g)?.length ?? 0) >= 7 && /[\s()+.-]/.test(v)) phones++;
    }
    return filled > 0 && (emails / filled >= 0.6 || phones / filled >= 0.6);
  });
}
