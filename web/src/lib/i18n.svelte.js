// The interface language: the browser's at first, then the user's choice, remembered.
import { languageFor, translate } from './messages.js';

const STORAGE_KEY = 'regie.language';

export const language = $state({
  code: localStorage.getItem(STORAGE_KEY) ?? languageFor(navigator.language),
});

export function setLanguage(code) {
  language.code = code;
  localStorage.setItem(STORAGE_KEY, code);
  document.documentElement.lang = code;
}

export function t(key, values) {
  return translate(language.code, key, values);
}

/** Numbers, sizes and dates in the user's locale. */
export function formatNumber(value) {
  return new Intl.NumberFormat(language.code).format(value);
}

export function formatBytes(bytes) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = Number(bytes) || 0;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${new Intl.NumberFormat(language.code, { maximumFractionDigits: unit ? 1 : 0 }).format(value)} ${units[unit]}`;
}

export function formatDate(text) {
  const date = new Date(text);
  return Number.isNaN(date.getTime())
    ? String(text ?? '')
    : new Intl.DateTimeFormat(language.code, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

export function formatDuration(seconds) {
  if (seconds == null) return '';
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}` : `${m}:${String(s).padStart(2, '0')}`;
}
