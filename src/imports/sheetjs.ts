/**
 * SheetJS, loaded on first use: compiling it takes a fresh worker thread about 150 ms, which a .csv or .txt import
 * (the ones expected to be fast) never needs to pay.
 */
type SheetJs = typeof import('xlsx');

let loaded: SheetJs | undefined;

export function sheetjs(): SheetJs {
  loaded ??= require('xlsx') as SheetJs;
  return loaded;
}
