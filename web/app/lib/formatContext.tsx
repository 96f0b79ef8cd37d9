import { createContext, useContext, type ReactNode } from 'react';
import { DEFAULT_FORMAT, formatterFor, type FormatSettings, type Formatter } from './format';

const FormatContext = createContext<Formatter>(formatterFor(DEFAULT_FORMAT));

/** Gives every page the viewer's language and the account's time zone (from the root loader). */
export function FormatProvider({ settings, children }: { settings: FormatSettings; children: ReactNode }) {
  return <FormatContext.Provider value={formatterFor(settings)}>{children}</FormatContext.Provider>;
}

/** The formatter for the viewer: money, numbers and dates as this viewer reads them. */
export function useFormat(): Formatter {
  return useContext(FormatContext);
}
