// Shared helpers of the client conformance tests: named checks that never stop the run, the venue's
// coordinates from the environment (set by run.sh), exact decimal arithmetic for tick/step rounding,
// and a bounded wait for anything asynchronous (WebSocket events, watch* calls).

export const TIMEOUT_MS = 5000;

let passed = 0;
let failed = 0;
const failures = [];

function describe(error) {
  if (error === undefined || error === null) return String(error);
  if (error instanceof Error) {
    const name = error.constructor?.name || 'Error';
    return `${name}: ${error.message}`;
  }
  if (typeof error === 'object' && 'code' in error && 'message' in error) {
    // The binance SDK's rejection: {code, message, body, headers, requestUrl, ...}.
    const path = typeof error.requestUrl === 'string' ? ` (${error.requestUrl.replace(/^https?:\/\/[^/]+/, '').split('?')[0]})` : '';
    return `rejected {code: ${error.code}, message: ${JSON.stringify(error.message)}}${path}`;
  }
  if (typeof error === 'object') {
    try {
      return JSON.stringify(error);
    } catch {
      return String(error);
    }
  }
  return String(error);
}

// Runs one named check. `body` returns nothing (pass) or throws (fail); its result is returned, or
// undefined when it failed, so later checks can test for a missing prerequisite.
export async function check(name, body) {
  try {
    const result = await body();
    passed += 1;
    console.log(`ok ${name}`);
    return result;
  } catch (error) {
    failed += 1;
    const details = describe(error).replace(/\s+/g, ' ').slice(0, 600);
    failures.push(name);
    console.log(`FAIL ${name}: ${details}`);
    return undefined;
  }
}

// A check that cannot run because an earlier one failed: counted as a failure, with the reason.
export function blocked(name, reason) {
  failed += 1;
  failures.push(name);
  console.log(`FAIL ${name}: not run, ${reason}`);
}

// JSON text of any value, cut to `limit` characters (safe for undefined and cycles).
export function show(value, limit = 300) {
  let text;
  try {
    text = JSON.stringify(value);
  } catch {
    text = String(value);
  }
  return String(text).slice(0, limit);
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

export function assertEqual(actual, expected, what) {
  if (actual !== expected) {
    throw new Error(`${what}: got ${JSON.stringify(actual)}, want ${JSON.stringify(expected)}`);
  }
}

// Expects `body` to reject with exactly the ccxt class `expectedClass` (not a parent, not a child) and
// evidence of the venue's answer: ccxt's message holds either the whole body (when it mapped the error by
// its code) or just the venue's `msg` (when it mapped it by the exact message text), so the check accepts
// `"code":<code>` or one of the contract's `messages`.
export async function expectCcxtError(body, expectedClass, code, messages = []) {
  let outcome;
  try {
    outcome = await body();
  } catch (error) {
    const got = error?.constructor?.name;
    if (error?.constructor !== expectedClass) {
      throw new Error(`want ${expectedClass.name}, got ${got}: ${error?.message}`);
    }
    const text = String(error.message);
    const byCode = code !== undefined && text.includes(`"code":${code}`);
    const byMessage = messages.some((m) => text.includes(m));
    if (code !== undefined && !byCode && !byMessage) {
      throw new Error(`${got} as wanted, but neither code ${code} nor the contract's message is in: ${text}`);
    }
    return error;
  }
  throw new Error(`want ${expectedClass.name}, but the call succeeded: ${show(outcome)}`);
}

// Races `promise` against a timer; rejects with a clear message after `ms`.
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function venueFromEnv() {
  const need = ['QZ_URL', 'QZ_KEY', 'QZ_SECRET', 'QZ_KEY2', 'QZ_SECRET2'];
  for (const name of need) {
    if (!process.env[name]) {
      console.error(`missing environment variable ${name} (run.sh sets it from the demo's banner)`);
      process.exit(2);
    }
  }
  const url = process.env.QZ_URL.replace(/\/+$/, '');
  const parsed = new URL(url);
  return {
    url,
    wsUrl: `ws://${parsed.host}`,
    key: process.env.QZ_KEY,
    secret: process.env.QZ_SECRET,
    key2: process.env.QZ_KEY2,
    secret2: process.env.QZ_SECRET2,
  };
}

// Prints the closing line and exits: non-zero when anything failed.
export function finish(label) {
  console.log(`${label}: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

// ---- exact decimals: a decimal string <-> BigInt units at a fixed scale ----

export const SCALE = 12;
const ONE = 10n ** BigInt(SCALE);

export function toUnits(text) {
  const s = String(text).trim();
  const match = /^(-?)(\d*)(?:\.(\d*))?$/.exec(s);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) throw new Error(`not a decimal: ${s}`);
  const fraction = (match[3] ?? '').padEnd(SCALE, '0');
  if (fraction.length > SCALE && /[1-9]/.test(fraction.slice(SCALE))) throw new Error(`too precise: ${s}`);
  const units = BigInt(match[2] || '0') * ONE + BigInt(fraction.slice(0, SCALE) || '0');
  return match[1] === '-' ? -units : units;
}

export function fromUnits(units) {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const whole = abs / ONE;
  let fraction = (abs % ONE).toString().padStart(SCALE, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? '.' + fraction : ''}`;
}

// Smallest multiple of `step` that is >= value (all in units, positive).
export function ceilToStep(value, step) {
  return ((value + step - 1n) / step) * step;
}

// Product and quotient of unit values, keeping the fixed scale (quotient rounded up).
export function mulUnits(a, b) {
  return (a * b) / ONE;
}

export function divUnitsCeil(a, b) {
  return (a * ONE + b - 1n) / b;
}

export function filterOf(symbolInfo, filterType) {
  const filter = (symbolInfo?.filters ?? []).find((f) => f.filterType === filterType);
  if (!filter) throw new Error(`${symbolInfo?.symbol}: no ${filterType} filter`);
  return filter;
}

// The order size the recipe (contract section 9, step 8) uses: a far-below-market buy price and an
// amount worth 1.5x the minimum notional, both exact multiples of tick and step.
export function farOrder(symbolInfo, bestBid) {
  const priceFilter = filterOf(symbolInfo, 'PRICE_FILTER');
  const lotSize = filterOf(symbolInfo, 'LOT_SIZE');
  const notional = (symbolInfo.filters.find((f) => f.filterType === 'NOTIONAL' || f.filterType === 'MIN_NOTIONAL'));
  if (!notional) throw new Error(`${symbolInfo.symbol}: no NOTIONAL filter`);
  const tick = toUnits(priceFilter.tickSize);
  const step = toUnits(lotSize.stepSize);
  const minPrice = toUnits(priceFilter.minPrice);
  const half = ceilToStep(toUnits(bestBid) / 2n, tick);
  const price = half > minPrice ? half : minPrice;
  const minNotional = toUnits(notional.minNotional);
  const amount = ceilToStep(divUnitsCeil((minNotional * 3n) / 2n, price), step);
  return { price, amount, tick, step, minNotional, minQty: toUnits(lotSize.minQty) };
}

// When a venue refuses the recipe's far price (half the best bid), the flows go on with a buy price just
// inside its PERCENT_PRICE band (3% above the band's floor; without a band, 95% of the best bid), still
// below the best bid so the order rests, and an amount worth 1.5x the minimum notional at that price.
export function inBandOrder(symbolInfo, bestBid, far) {
  const band = symbolInfo.filters.find((f) => f.filterType === 'PERCENT_PRICE' || f.filterType === 'PERCENT_PRICE_BY_SIDE');
  const floor = band ? toUnits(band.multiplierDown ?? band.bidMultiplierDown) + toUnits('0.03') : toUnits('0.95');
  const factor = floor > toUnits('0.5') ? floor : toUnits('0.5');
  const price = ceilToStep(mulUnits(toUnits(bestBid), factor), far.tick);
  const amount = ceilToStep(divUnitsCeil((far.minNotional * 3n) / 2n, price), far.step);
  return { ...far, price, amount };
}
