/**
 * An OIPF collection (DAE 7.x "Collection"): a frozen array of `items` with `item(i)` (null out of
 * range), plus the type's own members (`getChannel`, `getParentalRatingScheme`, ...).
 */
export function collection<T, X extends object>(items: readonly T[], extra?: X): readonly T[] & { item(i: number): T | null } & X {
  return Object.freeze(Object.assign(items.slice(), { item: (i: number) => items[i] ?? null }, extra));
}
