// The `binance` npm SDK (3.6.5) against a running Qazna venue: the trading-API contract's section 9,
// step 12 (MainClient with baseUrl, WebsocketClient with wsUrl), configured as its section 1.2 says.
// REST calls go through a small recording relay in this process, so the checks can also see the exact
// requests the SDK sent (params in the query string, empty body) and the response headers.
// Every check prints `ok NAME` or `FAIL NAME: details`; all run; the exit code is non-zero if any failed.
// Environment (set by run.sh): QZ_URL, QZ_KEY2/QZ_SECRET2 (the trader used here), QZ_KEY/QZ_SECRET.

import http from 'node:http';
import { MainClient, WebsocketClient } from 'binance';
import {
  TIMEOUT_MS, assert, assertEqual, blocked, check, farOrder, finish, fromUnits, inBandOrder, show, sleep, toUnits,
  venueFromEnv, withTimeout,
} from './harness.mjs';

const venue = venueFromEnv();
const SYMBOL = 'BTCKZT';

// ---- recording relay: forwards every request to the venue unchanged and remembers what passed ----
const records = [];
const target = new URL(venue.url);
const relay = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const record = {
      method: req.method, url: req.url, body: body.toString('utf8'), contentType: req.headers['content-type'],
      apiKey: req.headers['x-mbx-apikey'],
    };
    records.push(record);
    const upstream = http.request({
      host: target.hostname, port: target.port, method: req.method, path: req.url,
      headers: { ...req.headers, host: target.host },
    }, (answer) => {
      record.status = answer.statusCode;
      record.headers = answer.headers;
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (error) => {
      record.error = error.message;
      res.destroy();
    });
    upstream.end(body);
  });
});
await new Promise((resolve) => relay.listen(0, '127.0.0.1', resolve));
const relayUrl = `http://127.0.0.1:${relay.address().port}`;

function lastRecord(method, path) {
  for (let i = records.length - 1; i >= 0; i -= 1) {
    const r = records[i];
    if (r.method === method && r.url.split('?')[0] === path) return r;
  }
  throw new Error(`no ${method} ${path} request was seen`);
}

// Expects the SDK's rejection shape {code, message, body} with the venue's code and exact message.
async function expectSdkError(body, code, message) {
  let outcome;
  try {
    outcome = await body();
  } catch (error) {
    if (error instanceof Error) throw new Error(`rejected with a plain Error, not {code,message,body}: ${error.message}`);
    assert(error && typeof error === 'object', `rejected with ${JSON.stringify(error)}`);
    assertEqual(error.code, code, 'code');
    assertEqual(error.message, message, 'message');
    assert(error.body && typeof error.body === 'object', `body = ${JSON.stringify(error.body)}`);
    assertEqual(error.body.code, code, 'body.code');
    assertEqual(error.body.msg, message, 'body.msg');
    return error;
  }
  throw new Error(`want rejection ${code}, but the call succeeded: ${show(outcome, 300)}`);
}

function sameDecimal(actual, expected, what) {
  assert(typeof actual === 'string', `${what} is not a JSON string: ${JSON.stringify(actual)}`);
  assertEqual(fromUnits(toUnits(actual)), fromUnits(toUnits(expected)), what);
}

const rest = new MainClient({ api_key: venue.key2, api_secret: venue.secret2, baseUrl: relayUrl });

// ---------------------------------------------------------------- REST
await check('12 testConnectivity -> {}', async () => {
  const answer = await rest.testConnectivity();
  assertEqual(JSON.stringify(answer), '{}', 'body');
  const r = lastRecord('GET', '/api/v3/ping');
  assertEqual(r.status, 200, 'HTTP status');
});
await check("12 get('api/v3/time') within 5 s of the local clock", async () => {
  const before = Date.now();
  const answer = await rest.get('api/v3/time');
  const after = Date.now();
  assert(Number.isInteger(answer?.serverTime), `serverTime = ${JSON.stringify(answer)}`);
  assert(answer.serverTime >= before - 5000 && answer.serverTime <= after + 5000, `serverTime ${answer.serverTime}`);
});
const info = await check('12 getExchangeInfo lists BTCKZT with its filters', async () => {
  const answer = await rest.getExchangeInfo();
  assert(Array.isArray(answer.symbols), 'no symbols array');
  const s = answer.symbols.find((x) => x.symbol === SYMBOL);
  assert(s, `no ${SYMBOL}`);
  assertEqual(s.status, 'TRADING', 'status');
  for (const t of ['PRICE_FILTER', 'LOT_SIZE']) assert(s.filters.some((f) => f.filterType === t), `no ${t}`);
  assert(s.filters.some((f) => f.filterType === 'NOTIONAL' || f.filterType === 'MIN_NOTIONAL'), 'no NOTIONAL');
  return s;
});
await check('12 getExchangeInfo({symbol}) returns just that symbol', async () => {
  const answer = await rest.getExchangeInfo({ symbol: SYMBOL });
  assertEqual(answer.symbols.map((x) => x.symbol).join(','), SYMBOL, 'symbols');
});
await check('12 getExchangeInfo({symbols:[two]}) returns exactly those', async () => {
  const answer = await rest.getExchangeInfo({ symbols: ['BTCKZT', 'ETHKZT'] });
  assertEqual(answer.symbols.map((x) => x.symbol).sort().join(','), 'BTCKZT,ETHKZT', 'symbols');
});
await check('12 getAccountInformation has KZT free balance', async () => {
  const answer = await rest.getAccountInformation();
  const kzt = (answer.balances ?? []).find((b) => b.asset === 'KZT');
  assert(kzt, 'no KZT balance');
  assert(typeof kzt.free === 'string' && toUnits(kzt.free) > 0n, `KZT free = ${JSON.stringify(kzt.free)}`);
});
const book = await check('12 getOrderBook({symbol, limit:5})', async () => {
  const answer = await rest.getOrderBook({ symbol: SYMBOL, limit: 5 });
  assert(answer.bids.length >= 1 && answer.bids.length <= 5, `${answer.bids.length} bids`);
  assert(answer.asks.length >= 1 && answer.asks.length <= 5, `${answer.asks.length} asks`);
  assert(Number.isInteger(answer.lastUpdateId) && answer.lastUpdateId > 0, `lastUpdateId = ${answer.lastUpdateId}`);
  return answer;
});

let order;
let far;

function queryParam(url, name) {
  return new URLSearchParams(url.split('?')[1] ?? '').get(name);
}

// Places the flow's resting buy (the SDK generates newClientOrderId, x-U5D79M5B + 22 characters).
async function submitRestingBuy(o) {
  const answer = await rest.submitNewOrder({
    symbol: SYMBOL, side: 'BUY', type: 'LIMIT', timeInForce: 'GTC',
    quantity: Number(fromUnits(o.amount)), price: Number(fromUnits(o.price)),
  });
  const sent = lastRecord('POST', '/api/v3/order');
  assertEqual(answer.symbol, SYMBOL, 'symbol');
  assert(Number.isInteger(answer.orderId) && answer.orderId > 0, `orderId = ${answer.orderId}`);
  assertEqual(answer.orderListId, -1, 'orderListId');
  assertEqual(answer.clientOrderId, queryParam(sent.url, 'newClientOrderId'), 'clientOrderId (echo of newClientOrderId)');
  assert(Number.isInteger(answer.transactTime), `transactTime = ${answer.transactTime}`);
  assertEqual(answer.status, 'NEW', 'status');
  sameDecimal(answer.price, fromUnits(o.price), 'price');
  sameDecimal(answer.origQty, fromUnits(o.amount), 'origQty');
  sameDecimal(answer.executedQty, '0', 'executedQty');
  assertEqual(answer.type, 'LIMIT', 'type');
  assertEqual(answer.side, 'BUY', 'side');
  assertEqual(answer.timeInForce, 'GTC', 'timeInForce');
  assert(Array.isArray(answer.fills) && answer.fills.length === 0, `fills = ${show(answer.fills)}`);
  assert(!('code' in answer), 'success body has a code field');
  return answer;
}

if (info && book) {
  far = farOrder(info, String(book.bids[0][0]));
  order = await check('12 submitNewOrder LIMIT GTC buy at half the best bid -> NEW', () => submitRestingBuy(far));
  if (!order) {
    far = inBandOrder(info, String(book.bids[0][0]), far);
    console.log(`# continuing at price ${fromUnits(far.price)}, amount ${fromUnits(far.amount)} (inside the venue's price band)`);
    order = await check('12 submitNewOrder LIMIT GTC buy at the in-band price -> NEW', () => submitRestingBuy(far));
  }
  await check('12 submitNewOrder sent params in the query string, empty body, and was accepted', () => {
    const r = lastRecord('POST', '/api/v3/order');
    assertEqual(r.body, '', 'request body');
    const query = r.url.split('?')[1] ?? '';
    assert(query.includes(`symbol=${SYMBOL}`) && /(^|&)signature=[0-9a-f]{64}$/.test(query), `query: ${query}`);
    assertEqual(r.apiKey, venue.key2, 'X-MBX-APIKEY');
    assertEqual(r.status, 200, 'HTTP status');
  });
  await check('12 order placement carries X-MBX-ORDER-COUNT-10S/1D headers', () => {
    const r = lastRecord('POST', '/api/v3/order');
    for (const h of ['x-mbx-used-weight-1m', 'x-mbx-order-count-10s', 'x-mbx-order-count-1d']) {
      assert(/^\d+$/.test(String(r.headers?.[h])), `${h} = ${r.headers?.[h]}`);
    }
  });
} else {
  blocked('12 submitNewOrder', 'no exchange info or order book');
}

if (order) {
  await check('12 getOrder({symbol, orderId})', async () => {
    const answer = await rest.getOrder({ symbol: SYMBOL, orderId: order.orderId });
    assertEqual(answer.orderId, order.orderId, 'orderId');
    assertEqual(answer.clientOrderId, order.clientOrderId, 'clientOrderId');
    assertEqual(answer.status, 'NEW', 'status');
    sameDecimal(answer.price, order.price, 'price');
    sameDecimal(answer.origQty, order.origQty, 'origQty');
    assert(Number.isInteger(answer.time) && Number.isInteger(answer.updateTime), 'time/updateTime');
    assertEqual(answer.isWorking, true, 'isWorking');
  });
  await check('12 getOrder({symbol, origClientOrderId})', async () => {
    const answer = await rest.getOrder({ symbol: SYMBOL, origClientOrderId: order.clientOrderId });
    assertEqual(answer.orderId, order.orderId, 'orderId');
  });
  await check('12 getOpenOrders({symbol}) lists it', async () => {
    const answer = await rest.getOpenOrders({ symbol: SYMBOL });
    assert(Array.isArray(answer), 'not an array');
    assert(answer.some((o) => o.orderId === order.orderId), `orderId ${order.orderId} missing`);
  });
  await check('12 cancelOrder -> CANCELED', async () => {
    const answer = await rest.cancelOrder({ symbol: SYMBOL, orderId: order.orderId });
    assertEqual(answer.orderId, order.orderId, 'orderId');
    assertEqual(answer.status, 'CANCELED', 'status');
    assertEqual(answer.origClientOrderId, order.clientOrderId, 'origClientOrderId');
    assert(typeof answer.clientOrderId === 'string' && answer.clientOrderId !== '', 'clientOrderId of the cancel');
  });
  await check('12 cancelOrder again rejects {code:-2011, message, body}', () =>
    expectSdkError(() => rest.cancelOrder({ symbol: SYMBOL, orderId: order.orderId }), -2011, 'Unknown order sent.'));
} else {
  blocked('12 getOrder/cancelOrder', 'the order was not placed');
}
await check('12 getOrder of an unknown id rejects -2013', () =>
  expectSdkError(() => rest.getOrder({ symbol: SYMBOL, orderId: 987654321 }), -2013, 'Order does not exist.'));
await check('12 getOrderBook NOSUCHPAIR rejects -1121', () =>
  expectSdkError(() => rest.getOrderBook({ symbol: 'NOSUCHPAIR' }), -1121, 'Invalid symbol.'));
if (far) {
  await check('12 submitNewOrder off-tick price rejects -1013 PRICE_FILTER', () =>
    expectSdkError(() => rest.submitNewOrder({
      symbol: SYMBOL, side: 'BUY', type: 'LIMIT', timeInForce: 'GTC',
      quantity: Number(fromUnits(far.amount)), price: Number(fromUnits(far.price + far.tick / 2n)),
    }), -1013, 'Filter failure: PRICE_FILTER'));
  await check('12 submitNewOrder off-step quantity rejects -1013 LOT_SIZE', () =>
    expectSdkError(() => rest.submitNewOrder({
      symbol: SYMBOL, side: 'BUY', type: 'LIMIT', timeInForce: 'GTC',
      quantity: Number(fromUnits(far.amount + far.step / 2n)), price: Number(fromUnits(far.price)),
    }), -1013, 'Filter failure: LOT_SIZE'));
}
await check('12 wrong secret rejects -1022', () => {
  const wrong = new MainClient({ api_key: venue.key2, api_secret: venue.secret2.slice(0, -4) + 'zzzz', baseUrl: relayUrl });
  return expectSdkError(() => wrong.getAccountInformation(), -1022, 'Signature for this request is not valid.');
});
await check('12 every response carried X-MBX-USED-WEIGHT-1M', () => {
  assert(records.length > 0, 'no requests seen');
  for (const r of records) {
    assert(/^\d+$/.test(String(r.headers?.['x-mbx-used-weight-1m'])),
      `${r.method} ${r.url.split('?')[0]} answered HTTP ${r.status} without it; headers ${show(r.headers)}`);
  }
});
await check('12 every response was application/json', () => {
  for (const r of records) {
    assert(String(r.headers?.['content-type']).startsWith('application/json'), `${r.method} ${r.url.split('?')[0]}: ${r.headers?.['content-type']}`);
  }
});

// ---------------------------------------------------------------- WebSocket (last: see README)
const quiet = { trace: () => {}, info: () => {}, error: () => {} };
const wsClient = new WebsocketClient({ wsUrl: venue.wsUrl, reconnectTimeout: 60000 }, quiet);
const byStream = new Map();
const wsProblems = [];
wsClient.on('message', (event) => {
  const name = event?.streamName;
  if (typeof name !== 'string') return;
  if (!byStream.has(name)) byStream.set(name, []);
  byStream.get(name).push(event);
});
wsClient.on('exception', (event) => wsProblems.push(String(event?.message ?? event?.error?.msg ?? JSON.stringify(event)).slice(0, 200)));

const lower = SYMBOL.toLowerCase();
const subscriptions = [
  { name: 'subscribeSpotTrades', stream: `${lower}@trade`, start: () => wsClient.subscribeSpotTrades(SYMBOL),
    shape: (e) => e.e === 'trade' && e.s === SYMBOL && typeof e.p === 'string' && Number.isInteger(e.t) },
  { name: 'subscribeSpotKline', stream: `${lower}@kline_1m`, start: () => wsClient.subscribeSpotKline(SYMBOL, '1m'),
    shape: (e) => e.e === 'kline' && e.k?.i === '1m' && Number.isInteger(e.k?.t) && typeof e.k?.o === 'string' },
  { name: 'subscribeSpotSymbolBookTicker', stream: `${lower}@bookTicker`, start: () => wsClient.subscribeSpotSymbolBookTicker(SYMBOL),
    shape: (e) => e.s === SYMBOL && typeof e.b === 'string' && typeof e.a === 'string' && Number.isInteger(e.u) },
  { name: 'subscribeSpotPartialBookDepth', stream: `${lower}@depth5@100ms`, start: () => wsClient.subscribeSpotPartialBookDepth(SYMBOL, 5, 100),
    shape: (e) => Array.isArray(e.bids) && Array.isArray(e.asks) && e.bids.length <= 5 && Number.isInteger(e.lastUpdateId) },
  { name: 'subscribeSpotDiffBookDepth', stream: `${lower}@depth@100ms`, start: () => wsClient.subscribeSpotDiffBookDepth(SYMBOL, 100),
    shape: (e) => e.e === 'depthUpdate' && e.s === SYMBOL && Number.isInteger(e.U) && Number.isInteger(e.u) },
];
const pending = subscriptions.map((s) => {
  try {
    return Promise.resolve(s.start()).then(() => 'ok', (error) => `rejected: ${show(error, 200)}`);
  } catch (error) {
    return Promise.resolve(`threw: ${error?.message}`);
  }
});
const subscribeOutcome = await withTimeout(Promise.all(pending), TIMEOUT_MS, 'the SUBSCRIBE replies')
  .catch((error) => subscriptions.map(() => error.message));
const deadline = Date.now() + TIMEOUT_MS;
// Every stream delivers, and the diff stream (merged per 100 ms) at least twice, for the contiguity check.
const delivered = () => subscriptions.every((s) => (byStream.get(s.stream) ?? []).length > 0)
  && (byStream.get(`${lower}@depth@100ms`) ?? []).length >= 2;
while (Date.now() < deadline && !delivered()) await sleep(100);

for (const [i, s] of subscriptions.entries()) {
  await check(`12 WebsocketClient ${s.name} delivers ${s.stream} events`, () => {
    const events = byStream.get(s.stream) ?? [];
    assertEqual(subscribeOutcome[i], 'ok', 'subscribe');
    assert(events.length > 0, `no event in ${TIMEOUT_MS} ms (streams seen: ${[...byStream.keys()].join(' ') || 'none'}; `
      + `exceptions: ${wsProblems.slice(0, 2).join(' | ') || 'none'})`);
    const bad = events.find((e) => !s.shape(e));
    assert(!bad, `payload shape: ${show(bad, 300)}`);
  });
}
const diffs = byStream.get(`${lower}@depth@100ms`) ?? [];
await check('12 diff depth events are contiguous (U == previous u + 1)', () => {
  assert(diffs.length >= 2, `only ${diffs.length} diff event(s) in ${TIMEOUT_MS} ms`);
  for (let i = 1; i < diffs.length; i += 1) assertEqual(diffs[i].U, diffs[i - 1].u + 1, `event ${i} U`);
});

wsClient.closeAll(true);
relay.close();
finish('sdk');
