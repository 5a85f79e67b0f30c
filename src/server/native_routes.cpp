// The native /v1 API (docs/server.md, "Native API"): what the Binance contract lacks — users, API keys, assets,
// markets, deposits and withdrawals. Requests are signed exactly like the trading API's (form parameters,
// timestamp, HMAC or Ed25519 signature; docs/api-auth.md); answers are JSON; errors are {"code", "message"}.
// The gateway checks the caller's role here; the engine checks it again for every command that moves money.
// The compliance routes (and the travel rule of crypto deposits and withdrawals) are in compliance_routes.cpp, the
// digital tenge's in cbdc_routes.cpp.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "base/decimal.h"
#include "base/result.h"
#include "json/writer.h"
#include "market/rules.h"
#include "server/internal/venue_impl.h"
#include "server/openapi.h"

#include <future>

namespace qz::server {

namespace {

using json::Writer;

std::string error_json(int code, std::string_view message) {
  Writer w;
  w.begin_object().field("code", code).field("message", message).end_object();
  return w.take();
}

struct RoleName {
  std::string_view name;
  Role role;
};
constexpr RoleName kRoles[] = {{"operator", Role::operator_},   {"customer", Role::customer},
                               {"merchant", Role::merchant},    {"compliance", Role::compliance},
                               {"regulator", Role::regulator},  {"central_bank", Role::central_bank},
                               {"bank", Role::bank}};

bool parse_role(std::string_view text, Role* out) {
  for (const RoleName& entry : kRoles) {
    if (entry.name == text) {
      *out = entry.role;
      return true;
    }
  }
  return false;
}

// Roles that hold trading accounts (a customer account in every asset).
bool trades(Role role) { return role == Role::customer || role == Role::merchant || role == Role::bank; }

// "read,trade" -> permission bits; false on an unknown name.
bool parse_permissions(std::string_view text, uint8_t* out) {
  *out = 0;
  size_t begin = 0;
  while (begin <= text.size()) {
    const size_t end = std::min(text.find(',', begin), text.size());
    const std::string_view name = text.substr(begin, end - begin);
    if (name == "read") {
      *out |= static_cast<uint8_t>(Permission::read);
    } else if (name == "trade") {
      *out |= static_cast<uint8_t>(Permission::trade);
    } else if (name == "withdraw") {
      *out |= static_cast<uint8_t>(Permission::withdraw);
    } else {
      return false;
    }
    begin = end + 1;
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------

void Venue::Impl::reply_native_error(const CallPtr& call, int http_status, int code, std::string_view message) {
  reply(call, http_status, error_json(code, message));
}

void Venue::Impl::reply_engine_refusal(const CallPtr& call, Result result) {
  reply(call, result == Result::insufficient_funds ? 400 : 422,
        error_json(static_cast<int>(result), result_message(result)));
}

uint64_t Venue::Impl::venue_account(uint32_t asset, AccountKind kind) {
  uint64_t found = 0;
  node->with_engine([&](const Engine& engine) {
    const Ledger& ledger = engine.ledger();
    for (uint64_t id = 1; id <= ledger.account_count() && found == 0; id++) {
      const Account* account = ledger.account(id);
      if (account->asset == asset && account->kind == kind && account->owner == kVenueOwner) found = id;
    }
  });
  return found;
}

Status Venue::Impl::submit_and_wait(std::vector<Command> commands, SubmitResult* result) {
  QZ_TRY(node->submit(commands, result));
  std::promise<void> projected;
  when_projected(result->height, [&projected] { projected.set_value(); });
  projected.get_future().wait();
  return Status::ok();
}

void Venue::Impl::route_native(const CallPtr& call) {
  const HttpRequest& request = call->request;
  const std::string& path = request.path;
  const std::string& method = request.method;
  if (method == "GET" && path == "/v1/openapi.json") {
    HttpResponse response;
    response.body = std::string(openapi_document());
    finish_metrics(call, 200);
    call->respond(std::move(response));
    return;
  }

  constexpr auto bit = role_bit;
  const uint32_t customers = bit(Role::customer) | bit(Role::merchant) | bit(Role::bank);
  const uint32_t supervisors = bit(Role::operator_) | bit(Role::compliance) | bit(Role::regulator);
  const NativeRoute kRoutes[] = {
      {"GET", "/v1/me", Permission::read, 0},
      {"GET", "/v1/users", Permission::read, supervisors},
      {"POST", "/v1/users", Permission::trade, bit(Role::operator_)},
      {"POST", "/v1/keys", Permission::trade, bit(Role::operator_)},
      {"DELETE", "/v1/keys", Permission::trade, bit(Role::operator_)},
      {"POST", "/v1/assets", Permission::trade, bit(Role::operator_)},
      {"POST", "/v1/markets", Permission::trade, bit(Role::operator_)},
      {"POST", "/v1/markets/status", Permission::trade, bit(Role::operator_)},
      {"POST", "/v1/deposits", Permission::trade, bit(Role::operator_)},
      {"POST", "/v1/withdrawals", Permission::withdraw, customers},
      {"POST", "/v1/withdrawals/approve", Permission::trade, bit(Role::operator_)},
      {"POST", "/v1/withdrawals/reject", Permission::trade, bit(Role::operator_)},
  };
  const NativeRoute* route = nullptr;
  for (const NativeRoute& candidate : kRoutes) {
    if (candidate.method == method && candidate.path == path) route = &candidate;
  }
  for (const NativeRoute& candidate : compliance_routes()) {
    if (candidate.method == method && candidate.path == path) route = &candidate;
  }
  for (const NativeRoute& candidate : cbdc_routes()) {
    if (candidate.method == method && candidate.path == path) route = &candidate;
  }
  if (route == nullptr) return reply_native_error(call, 404, kNotFound, "no such route: " + method + " " + path.substr(0, 64));

  const ParamError parse_error = RequestParams::parse(request.query, request.body, ParamLimits{}, &call->params);
  if (parse_error != ParamError::ok) {
    return reply_native_error(call, 400, kBadParameter, binance_error_for(parse_error, ParamLimits{}).message);
  }
  RateDecision decision;
  {
    std::lock_guard guard(limiter_mutex);
    decision = limiter.admit_ip(call->ip, 1, call->now_ms);
  }
  if (!decision.allowed) return reply(call, decision.http_status, error_json(1007, decision.error->message));
  AuthResult auth;
  {
    std::shared_lock lock(keys_mutex);
    auth = keys->authenticate(call->params, request.api_key, call->now_ms, route->permission, call->ip);
  }
  if (!auth.ok()) {
    const bool forbidden = auth.error->kind == BinanceErrorKind::api_key_rejected;
    return reply_native_error(call, forbidden ? 403 : 401, forbidden ? kForbidden : kUnauthenticated,
                              auth.error->message);
  }
  call->identity = auth.identity;
  if (route->roles != 0 && (route->roles & bit(call->identity.role)) == 0) {
    return reply_native_error(call, 403, kForbidden,
                              std::string("the role ") + role_name(call->identity.role) + " may not " + method + " " +
                                  path);
  }
  if (stopped.load()) return reply_native_error(call, 503, kUnavailable, "the venue is stopping");
  if (route >= compliance_routes().data() && route < compliance_routes().data() + compliance_routes().size()) {
    return route_compliance(call);
  }
  if (route >= cbdc_routes().data() && route < cbdc_routes().data() + cbdc_routes().size()) return route_cbdc(call);

  const RequestParams& params = call->params;
  const auto text = [&](std::string_view name) -> std::string {
    const std::string* value = params.find(name);
    return value == nullptr ? std::string() : *value;
  };
  const auto missing = [&](std::string_view name) {
    reply_native_error(call, 400, kBadParameter, "missing parameter '" + std::string(name) + "'");
  };
  const auto asset_by_code = [&](const std::string& code) -> std::optional<AssetInfo> {
    for (const AssetInfo& asset : market.assets()) {
      if (asset.code == code) return asset;
    }
    return std::nullopt;
  };
  // The digital tenge enters only through the central bank's issuance and moves between wallets (/v1/cbdc):
  // a deposit would mint it from the venue's issuance account of the asset, a withdrawal take it out of
  // circulation, both outside the book's supply; a market would trade balances that only deposits could fund
  // (customers reach the exchange with it through the exchange link, as tenge). False (and the answer sent) for
  // DKZT.
  const auto not_digital_tenge = [&](const AssetInfo& asset, std::string_view refused) {
    if (asset.code != "DKZT") return true;
    reply_native_error(call, 409, kConflict,
                       "the digital tenge (DKZT) is issued by the central bank and moves between wallets "
                       "(POST /v1/cbdc/issue, /v1/cbdc/payments); it is not " +
                           std::string(refused));
    return false;
  };
  // Runs commands, answering engine refusals; true when every command succeeded.
  const auto run = [&](std::vector<Command> commands, SubmitResult* result) {
    const Status status = submit_and_wait(std::move(commands), result);
    if (!status.is_ok()) {
      reply_native_error(call, 503, kUnavailable, status.message());
      return false;
    }
    for (const Event& event : result->events) {
      if (event.event_kind() == EventKind::rejected) {
        reply_engine_refusal(call, event.result_code());
        return false;
      }
    }
    return true;
  };

  if (path == "/v1/me") {
    const uint64_t user = call->identity.owner_user;
    UserRow row;
    const bool known = find_user(user, &row);
    Writer w;
    w.begin_object()
        .field("userId", user)
        .field("name", std::string_view(known ? row.name : std::string()))
        .field("role", role_name(call->identity.role));
    w.key("balances").begin_array();
    const std::vector<AssetInfo> assets = market.assets();
    node->with_engine([&](const Engine& engine) {
      for (const AssetInfo& asset : assets) {
        const uint64_t id = engine.exchange().trading_account(user, asset.id);
        const Account* account = id == 0 ? nullptr : engine.ledger().account(id);
        if (account == nullptr) continue;
        const int64_t locked = account->held_minor + account->locked_minor;
        w.begin_object()
            .field("asset", std::string_view(asset.code))
            .field("free", json::Decimal{format_decimal(account->total_minor - locked, asset.scale)})
            .field("locked", json::Decimal{format_decimal(locked, asset.scale)})
            .end_object();
      }
    });
    w.end_array().end_object();
    return reply(call, 200, w.take());
  }

  if (path == "/v1/users" && method == "GET") {
    std::vector<UserRow> rows;
    const Status listed = list_users(&rows);
    if (!listed.is_ok()) return reply_native_error(call, 503, kUnavailable, listed.message());
    Writer w;
    w.begin_array();
    for (const UserRow& row : rows) {
      w.begin_object()
          .field("userId", row.id)
          .field("name", std::string_view(row.name))
          .field("role", role_name(row.role))
          .field("createdTime", row.created_ms)
          .end_object();
    }
    w.end_array();
    return reply(call, 200, w.take());
  }

  if (path == "/v1/users") {  // POST
    const std::string name = text("name");
    if (name.empty() || name.size() > 128) return missing("name");
    Role role = Role::none;
    if (!parse_role(text("role"), &role)) {
      return reply_native_error(call, 400, kBadParameter,
                                "parameter 'role' must be one of operator, customer, merchant, compliance, regulator, "
                                "central_bank, bank");
    }
    UserRow row;
    const Status created = create_user(name, role, call->now_ms, &row);
    if (!created.is_ok()) return reply_native_error(call, 503, kUnavailable, created.message());
    if (trades(role)) {
      std::vector<Command> commands;
      for (const AssetInfo& asset : market.assets()) {
        commands.push_back(make_open_account(row.id, asset.id, AccountKind::customer));
      }
      SubmitResult result;
      if (!commands.empty() && !run(commands, &result)) return;
    }
    Writer w;
    w.begin_object()
        .field("userId", row.id)
        .field("name", std::string_view(row.name))
        .field("role", role_name(row.role))
        .field("createdTime", row.created_ms)
        .end_object();
    return reply(call, 200, w.take());
  }

  if (path == "/v1/keys" && method == "POST") {
    const ParamValue<int64_t> user = param_integer(params, "userId", Presence::mandatory);
    if (!user.ok() || user.value <= 0) return missing("userId");
    UserRow row;
    if (!find_user(static_cast<uint64_t>(user.value), &row)) {
      return reply_native_error(call, 404, kNotFound, "no user " + std::to_string(user.value));
    }
    KeySpec spec;
    spec.owner_user = row.id;
    spec.role = row.role;
    spec.created_ms = call->now_ms;
    if (!parse_permissions(text("permissions").empty() ? "read" : text("permissions"), &spec.permissions)) {
      return reply_native_error(call, 400, kBadParameter, "parameter 'permissions': a list of read, trade, withdraw");
    }
    spec.permissions |= static_cast<uint8_t>(Permission::read);
    const std::string ips = text("ips");
    for (size_t begin = 0; !ips.empty() && begin <= ips.size();) {
      const size_t end = std::min(ips.find(',', begin), ips.size());
      IpRange range;
      if (!IpRange::parse(std::string_view(ips).substr(begin, end - begin), &range)) {
        return reply_native_error(call, 400, kBadParameter, "parameter 'ips': addresses or CIDR ranges, comma separated");
      }
      spec.allowed_ips.push_back(range);
      begin = end + 1;
    }
    if (const std::string problem = key_spec_problem(spec); !problem.empty()) {
      return reply_native_error(call, 400, kBadParameter, problem);
    }
    // An Ed25519 key when the user brings its public key (base64 or PEM); else an HMAC key made here.
    const std::string public_key = text("publicKey");
    std::array<uint8_t, 32> ed25519{};
    if (!public_key.empty() && !parse_ed25519_public_key(public_key, &ed25519)) {
      return reply_native_error(call, 400, kBadParameter,
                                "parameter 'publicKey': an Ed25519 public key, base64 of 32 bytes or PEM");
    }
    CreatedHmacKey key;
    Status status = Status::ok();
    {
      std::unique_lock lock(keys_mutex);
      status = public_key.empty() ? keys->create_hmac(spec, &key) : keys->add_ed25519(ed25519, spec, &key.key_id);
      if (status.is_ok()) status = store_keys();
    }
    if (!status.is_ok()) return reply_native_error(call, 503, kUnavailable, status.message());
    Writer w;
    w.begin_object().field("apiKey", std::string_view(key.key_id));
    if (public_key.empty()) {
      w.field("type", "HMAC_SHA256").field("secret", key.secret.reveal());
    } else {
      w.field("type", "ED25519");
    }
    w.field("userId", row.id).field("role", role_name(row.role)).end_object();
    return reply(call, 200, w.take());
  }

  if (path == "/v1/keys") {  // DELETE
    const std::string id = text("apiKey");
    if (id.empty()) return missing("apiKey");
    bool revoked = false;
    Status status = Status::ok();
    {
      std::unique_lock lock(keys_mutex);
      revoked = keys->revoke(id);
      if (revoked) status = store_keys();
    }
    if (!status.is_ok()) return reply_native_error(call, 503, kUnavailable, status.message());
    if (!revoked) return reply_native_error(call, 404, kNotFound, "no such API key");
    return reply(call, 200, "{\"revoked\":true}");
  }

  if (path == "/v1/assets") {
    const std::string code = text("code");
    const ParamValue<int64_t> scale = param_integer(params, "scale", Presence::mandatory);
    if (code.empty()) return missing("code");
    if (!scale.ok() || scale.value < 0 || scale.value > 18) {
      return reply_native_error(call, 400, kBadParameter, "parameter 'scale' must be 0 to 18");
    }
    SubmitResult result;
    if (!run({make_create_asset(code, static_cast<uint8_t>(scale.value))}, &result)) return;
    const uint32_t asset = result.events[0].asset_created.asset;
    std::vector<Command> commands = {make_open_account(kVenueOwner, asset, AccountKind::issuance),
                                     make_open_account(kVenueOwner, asset, AccountKind::fee_income)};
    std::vector<UserRow> users;
    if (list_users(&users).is_ok()) {
      for (const UserRow& user : users) {
        if (trades(user.role)) commands.push_back(make_open_account(user.id, asset, AccountKind::customer));
      }
    }
    if (!run(commands, &result)) return;
    Writer w;
    w.begin_object().field("asset", asset).field("code", std::string_view(code)).field("scale", scale.value).end_object();
    return reply(call, 200, w.take());
  }

  if (path == "/v1/markets") {
    const std::optional<AssetInfo> base = asset_by_code(text("base"));
    const std::optional<AssetInfo> quote = asset_by_code(text("quote"));
    if (!base || !quote) return reply_native_error(call, 404, kNotFound, "parameters 'base' and 'quote' must name assets");
    if (!not_digital_tenge(*base, "traded on the venue's books") ||
        !not_digital_tenge(*quote, "traded on the venue's books")) {
      return;
    }
    const ParamValue<int64_t> tick = param_decimal(params, "tickSize", quote->scale, Presence::mandatory);
    const ParamValue<int64_t> lot = param_decimal(params, "stepSize", base->scale, Presence::mandatory);
    const ParamValue<int64_t> min_qty = param_decimal(params, "minQty", base->scale, Presence::optional);
    const ParamValue<int64_t> max_qty = param_decimal(params, "maxQty", base->scale, Presence::mandatory);
    const ParamValue<int64_t> min_notional = param_decimal(params, "minNotional", quote->scale, Presence::optional);
    const ParamValue<int64_t> price = param_decimal(params, "price", quote->scale, Presence::mandatory);
    const ParamValue<int64_t> band = param_integer(params, "bandBps", Presence::optional);
    const ParamValue<int64_t> maker = param_integer(params, "makerBps", Presence::optional);
    const ParamValue<int64_t> taker = param_integer(params, "takerBps", Presence::optional);
    for (const auto* value : {&tick, &lot, &min_qty, &max_qty, &min_notional, &price, &band, &maker, &taker}) {
      if (!value->ok()) return reply_native_error(call, 400, kBadParameter, value->error->message);
    }
    const uint64_t fee_base = venue_account(base->id, AccountKind::fee_income);
    const uint64_t fee_quote = venue_account(quote->id, AccountKind::fee_income);
    if (fee_base == 0 || fee_quote == 0) {
      return reply_native_error(call, 409, kConflict, "the assets have no fee accounts (create them with /v1/assets)");
    }
    SubmitResult result;
    if (!run({make_create_market(base->id, quote->id, tick.value, lot.value, min_qty.present ? min_qty.value : lot.value,
                                 max_qty.value)},
             &result)) {
      return;
    }
    const uint32_t id = result.events[0].market_created.market;
    const auto bps = [](const ParamValue<int64_t>& v, int64_t fallback) {
      return static_cast<uint32_t>(std::clamp<int64_t>(v.present ? v.value : fallback, 0, 100'000));
    };
    if (!run({make_set_market_rules(id, bps(band, 1000), min_notional.present ? min_notional.value : 0,
                                    bps(maker, 10), bps(taker, 20), fee_base, fee_quote),
              make_set_market_status(id, static_cast<uint8_t>(MarketStatus::trading), price.value)},
             &result)) {
      return;
    }
    Writer w;
    w.begin_object().field("market", id).field("symbol", std::string_view(base->code + quote->code)).end_object();
    return reply(call, 200, w.take());
  }

  if (path == "/v1/markets/status") {
    const std::optional<MarketInfo> m = market.market_by_symbol(text("symbol"));
    if (!m) return reply_native_error(call, 404, kNotFound, "no such symbol");
    const std::string status = text("status");
    const uint8_t code = status == "TRADING" ? 1 : status == "HALT" ? 2 : status == "CLOSED" ? 3 : 0;
    if (code == 0) return reply_native_error(call, 400, kBadParameter, "parameter 'status': TRADING, HALT or CLOSED");
    SubmitResult result;
    if (!run({make_set_market_status(m->id, code)}, &result)) return;
    return reply(call, 200, "{\"symbol\":\"" + m->symbol + "\",\"status\":\"" + status + "\"}");
  }

  if (path == "/v1/deposits") {
    const ParamValue<int64_t> user = param_integer(params, "userId", Presence::mandatory);
    const std::optional<AssetInfo> asset = asset_by_code(text("asset"));
    if (!user.ok() || user.value <= 0) return missing("userId");
    if (!asset) return reply_native_error(call, 404, kNotFound, "parameter 'asset' must name an asset");
    if (!not_digital_tenge(*asset, "deposited or withdrawn")) return;
    const ParamValue<int64_t> amount = param_decimal(params, "amount", asset->scale, Presence::mandatory);
    if (!amount.ok() || amount.value <= 0) return reply_native_error(call, 400, kBadParameter, "parameter 'amount' must be positive");
    const auto owner = static_cast<uint64_t>(user.value);
    UserRow depositor;
    if (!find_user(owner, &depositor) || !trades(depositor.role)) {
      return reply_native_error(call, 404, kNotFound, "no customer, merchant or bank user " + std::to_string(owner));
    }
    uint64_t account = 0;
    node->with_engine([&](const Engine& engine) { account = engine.exchange().trading_account(owner, asset->id); });
    SubmitResult result;
    if (account == 0) {
      if (!run({make_open_account(owner, asset->id, AccountKind::customer)}, &result)) return;
      account = result.events[0].account_opened.account;
    }
    const uint64_t issuance = venue_account(asset->id, AccountKind::issuance);
    if (issuance == 0) return reply_native_error(call, 409, kConflict, "the asset has no issuance account");
    TravelRuleCheck check;
    if (!check_travel_rule_data(call, Movement::deposit, *asset, amount.value, &check)) return;
    Command transfer = make_transfer(issuance, account, amount.value);
    if (check.travel_rule) transfer.transfer.reference = app::ivms101_reference(check.digest);
    if (!run({transfer}, &result)) return;
    const TransferPostedPayload p = result.events[0].transfer_posted;
    uint64_t screening_case = 0;
    if (!record_movement(call, owner, p.transfer, result.height, *asset, amount.value,
                         make_transfer(account, issuance, amount.value), check, &screening_case)) {
      return;
    }
    Writer w;
    w.begin_object()
        .field("transferId", p.transfer)
        .field("userId", owner)
        .field("asset", std::string_view(asset->code))
        .field("amount", json::Decimal{format_decimal(p.amount_minor, asset->scale)})
        .field("balance", json::Decimal{format_decimal(p.credit_balance_after, asset->scale)});
    if (check.travel_rule) w.field("travelRuleDigest", std::string_view(check.digest.hex()));
    if (screening_case != 0) w.field("screeningCase", screening_case);
    w.end_object();
    return reply(call, 200, w.take());
  }

  if (path == "/v1/withdrawals") {
    const std::optional<AssetInfo> asset = asset_by_code(text("asset"));
    if (!asset) return reply_native_error(call, 404, kNotFound, "parameter 'asset' must name an asset");
    if (!not_digital_tenge(*asset, "deposited or withdrawn")) return;
    const ParamValue<int64_t> amount = param_decimal(params, "amount", asset->scale, Presence::mandatory);
    if (!amount.ok() || amount.value <= 0) return reply_native_error(call, 400, kBadParameter, "parameter 'amount' must be positive");
    if (text("address").empty()) return missing("address");
    const uint64_t owner = call->identity.owner_user;
    uint64_t account = 0;
    node->with_engine([&](const Engine& engine) { account = engine.exchange().trading_account(owner, asset->id); });
    if (account == 0) return reply_native_error(call, 404, kNotFound, "no account in " + asset->code);
    TravelRuleCheck check;
    if (!check_travel_rule_data(call, Movement::withdrawal, *asset, amount.value, &check)) return;
    Command hold = make_hold(account, 0, amount.value, 0);
    hold.actor = owner;
    hold.role = static_cast<uint8_t>(call->identity.role);
    if (check.travel_rule) hold.hold.reference = app::ivms101_reference(check.digest);
    SubmitResult result;
    if (!run({hold}, &result)) return;
    const uint64_t id = result.events[0].hold_placed.hold;
    uint64_t screening_case = 0;
    if (!record_movement(call, owner, id, result.height, *asset, amount.value, make_void_hold(id), check,
                         &screening_case)) {
      return;
    }
    Writer w;
    w.begin_object()
        .field("withdrawalId", id)
        .field("asset", std::string_view(asset->code))
        .field("amount", json::Decimal{format_decimal(amount.value, asset->scale)})
        .field("status", screening_case == 0 ? "PENDING" : "HELD");
    if (check.travel_rule) w.field("travelRuleDigest", std::string_view(check.digest.hex()));
    if (screening_case != 0) w.field("screeningCase", screening_case);
    w.end_object();
    return reply(call, 200, w.take());
  }

  if (path == "/v1/withdrawals/approve" || path == "/v1/withdrawals/reject") {
    const ParamValue<int64_t> id = param_integer(params, "withdrawalId", Presence::mandatory);
    if (!id.ok() || id.value <= 0) return missing("withdrawalId");
    uint32_t asset = 0;
    node->with_engine([&](const Engine& engine) {
      const Hold* hold = engine.ledger().hold(static_cast<uint64_t>(id.value));
      if (hold == nullptr) return;
      const Account* account = engine.ledger().account(hold->account);
      if (account != nullptr) asset = account->asset;
    });
    if (asset == 0) return reply_native_error(call, 404, kNotFound, "no pending withdrawal " + std::to_string(id.value));
    const bool approve = path == "/v1/withdrawals/approve";
    if (approve && !withdrawal_approvable(call, static_cast<uint64_t>(id.value))) return;
    Command command = approve ? make_post_hold(static_cast<uint64_t>(id.value), venue_account(asset, AccountKind::issuance), 0)
                              : make_void_hold(static_cast<uint64_t>(id.value));
    SubmitResult result;
    if (!run({command}, &result)) return;
    return reply(call, 200,
                 "{\"withdrawalId\":" + std::to_string(id.value) + ",\"status\":\"" +
                     (approve ? "COMPLETED" : "REJECTED") + "\"}");
  }
  reply_native_error(call, 404, kNotFound, "no such route");
}


// ---------------------------------------------------------------------------------------------------------------
// Users (DIR/users.db) and the operator's first key

Status Venue::Impl::open_users(const std::string& path) {
  QZ_TRY(sqlite::Database::open(path, sqlite::OpenOptions{}, &users_db));
  static const sqlite::SchemaStep kSteps[] = {
      {.sql = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, role INTEGER NOT NULL,"
              " created_ms INTEGER NOT NULL)",
       .run = nullptr},
  };
  return users_db->migrate("users", kSteps);
}

Status Venue::Impl::create_user(const std::string& name, Role role, int64_t now_ms, UserRow* out) {
  return create_user_with_id(0, name, role, now_ms, out);
}

Status Venue::Impl::create_user_with_id(uint64_t id, const std::string& name, Role role, int64_t now_ms,
                                        UserRow* out) {
  std::lock_guard guard(users_mutex);
  if (id == 0) {
    int64_t highest = 0;
    bool found = false;
    QZ_TRY(users_db->query_i64("SELECT MAX(id) FROM users", &highest, &found));
    id = static_cast<uint64_t>(std::max<int64_t>(highest, 999)) + 1;
  }
  sqlite::Statement insert;
  QZ_TRY(users_db->prepare("INSERT INTO users (id, name, role, created_ms) VALUES (?1, ?2, ?3, ?4)", &insert));
  QZ_TRY(insert.bind(1, id).bind(2, name).bind(3, static_cast<int64_t>(role)).bind(4, now_ms).run("adding a user"));
  *out = UserRow{.id = id, .name = name, .role = role, .created_ms = now_ms};
  return Status::ok();
}

bool Venue::Impl::find_user(uint64_t id, UserRow* out) {
  std::lock_guard guard(users_mutex);
  sqlite::Statement select;
  if (!users_db->prepare("SELECT name, role, created_ms FROM users WHERE id = ?1", &select).is_ok()) return false;
  select.bind(1, id);
  bool row = false;
  if (!select.step(&row).is_ok() || !row) return false;
  *out = UserRow{.id = id, .name = select.column_text(0), .role = static_cast<Role>(select.column_i64(1)),
                 .created_ms = select.column_i64(2)};
  return true;
}

Status Venue::Impl::list_users(std::vector<UserRow>* out) {
  std::lock_guard guard(users_mutex);
  out->clear();
  sqlite::Statement select;
  QZ_TRY(users_db->prepare("SELECT id, name, role, created_ms FROM users ORDER BY id", &select));
  for (;;) {
    bool row = false;
    QZ_TRY(select.step(&row, "listing users"));
    if (!row) break;
    out->push_back(UserRow{.id = select.column_u64(0), .name = select.column_text(1),
                           .role = static_cast<Role>(select.column_i64(2)), .created_ms = select.column_i64(3)});
  }
  return Status::ok();
}

Status Venue::Impl::bootstrap_operator(const std::string& data_dir) {
  UserRow row;
  if (find_user(kOperatorUser, &row)) return Status::ok();
  const int64_t now = static_cast<int64_t>(clock->now_ns() / 1'000'000);
  QZ_TRY(create_user_with_id(kOperatorUser, "operator", Role::operator_, now, &row));
  KeySpec spec;
  spec.owner_user = kOperatorUser;
  spec.role = Role::operator_;
  spec.permissions = static_cast<uint8_t>(Permission::read) | static_cast<uint8_t>(Permission::trade);
  spec.created_ms = now;
  CreatedHmacKey key;
  {
    std::unique_lock lock(keys_mutex);
    QZ_TRY(keys->create_hmac(spec, &key));
    QZ_TRY(store_keys());
  }
  const std::string text = "apiKey " + key.key_id + "\nsecret " + std::string(key.secret.reveal()) + "\n";
  return write_private_file(data_dir + "/keys/operator-api.txt", text);
}

}  // namespace qz::server
