// The native API's digital tenge routes (docs/server.md, "Digital tenge routes"; docs/money.md section 9): one POST
// per money command and the reads of wallets, programs and program reports. route_native authenticates and checks
// the route's role before route_cbdc runs; the engine checks the role (and the book the wallet's owner, the
// issuer or the attester) again for every command.
//
// A POST carries the command as `qazna exec` reads it (docs/cli.md), as the form or query parameter `request`:
// one JSON object, parsed by the CLI's own parser (app/exec_input.h, parse_fixed_command). The route fixes `cmd`
// (a different one is refused) and the API key fixes the actor and role (the object may not carry them). The
// commands go through submit_and_wait: the answer leaves after their block is durable and projected, with the
// command's events as `qazna exec` prints them (app/event_json.h), or the engine's refusal. A refusal's message is
// the book's own explanation (money/report.h describe_refusal) when deciding again on the state after the block
// gives the same code; otherwise the result code's message.
//
// Reads: wallets and programs from the engine's state (at least at the height of every answer sent, since the
// engine applies a block before it is answered; it may also hold a block whose write is under way); program
// reports from the journal replayed block by block (monitor::replay_journal, as `qazna program report|trail`):
// durable, at least at every answered height, and O(journal) per request.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "app/event_json.h"
#include "app/exec_input.h"
#include "app/money_report.h"
#include "base/decimal.h"
#include "base/result.h"
#include "json/writer.h"
#include "money/report.h"
#include "monitor/replay.h"
#include "server/internal/venue_impl.h"

namespace qz::server {

namespace {

using json::Writer;

constexpr uint32_t kOperator = role_bit(Role::operator_);
constexpr uint32_t kCentralBank = role_bit(Role::central_bank);
constexpr uint32_t kBank = role_bit(Role::bank);
// Merchants, and the government agencies and budget contractors: users of role merchant own merchant, agency and
// contractor wallets (there is no agency role; the book checks that the caller owns the wallet it names).
constexpr uint32_t kMerchant = role_bit(Role::merchant);
constexpr uint32_t kCustomer = role_bit(Role::customer);
constexpr uint32_t kSupervision = role_bit(Role::compliance) | role_bit(Role::regulator);

constexpr NativeRoute kCbdcRoutes[] = {
    {"POST", "/v1/cbdc/wallet-classes", Permission::trade, kCentralBank | kOperator},
    {"POST", "/v1/cbdc/wallets", Permission::trade, kCentralBank | kBank | kOperator},
    {"POST", "/v1/cbdc/programs", Permission::trade, kCentralBank | kMerchant | kOperator},
    {"POST", "/v1/cbdc/issue", Permission::trade, kCentralBank},
    {"POST", "/v1/cbdc/redeem", Permission::trade, kCentralBank},
    {"POST", "/v1/cbdc/grants", Permission::trade, kCentralBank | kMerchant},
    {"POST", "/v1/cbdc/payments", Permission::trade, kCustomer | kMerchant | kBank},
    {"POST", "/v1/cbdc/releases/attest", Permission::trade, kCentralBank | kBank | kMerchant},
    {"POST", "/v1/cbdc/releases/dispute", Permission::trade, kCentralBank | kMerchant},
    {"POST", "/v1/cbdc/releases/cancel", Permission::trade, kCentralBank | kMerchant},
    {"POST", "/v1/cbdc/programs/status", Permission::trade, kCentralBank | kMerchant | kOperator},
    {"POST", "/v1/cbdc/exchange-link", Permission::trade, kOperator},
    // Any role; customers and merchants read only their own wallets.
    {"GET", "/v1/cbdc/wallet", Permission::read, 0},
    {"GET", "/v1/cbdc/program", Permission::read, 0},
    // Merchants: only the programs of the agency wallets they own.
    {"GET", "/v1/cbdc/reports/program", Permission::read, kCentralBank | kOperator | kSupervision | kMerchant},
    {"GET", "/v1/cbdc/reports/trail", Permission::read, kCentralBank | kOperator | kSupervision | kMerchant},
};

// The exec command each POST takes.
struct RouteCommand {
  std::string_view path;
  std::string_view cmd;
};
constexpr RouteCommand kRouteCommands[] = {
    {"/v1/cbdc/wallet-classes", "define_wallet_class"},
    {"/v1/cbdc/wallets", "open_wallet"},
    {"/v1/cbdc/programs", "publish_program"},
    {"/v1/cbdc/issue", "issue_cbdc"},
    {"/v1/cbdc/redeem", "redeem_cbdc"},
    {"/v1/cbdc/grants", "grant"},
    {"/v1/cbdc/payments", "pay"},
    {"/v1/cbdc/releases/attest", "attest_release"},
    {"/v1/cbdc/releases/dispute", "dispute_release"},
    {"/v1/cbdc/releases/cancel", "cancel_release"},
    {"/v1/cbdc/programs/status", "set_program_status"},
    {"/v1/cbdc/exchange-link", "set_exchange_link"},
};

std::string_view route_command(std::string_view path) {
  for (const RouteCommand& entry : kRouteCommands) {
    if (entry.path == path) return entry.cmd;
  }
  return {};
}

// The role a wallet's owner must have: individuals are customers; merchants, agencies and contractors merchants;
// banks banks; the central bank's wallet the central bank's.
Role owner_role(WalletKind kind) {
  switch (kind) {
    case WalletKind::individual: return Role::customer;
    case WalletKind::merchant:
    case WalletKind::agency:
    case WalletKind::contractor: return Role::merchant;
    case WalletKind::bank: return Role::bank;
    case WalletKind::central_bank: return Role::central_bank;
  }
  return Role::none;
}

void tenge(Writer& w, std::string_view name, int64_t minor) {
  const std::string text = format_tenge(minor);
  w.field(name, json::Decimal{text});
}

// The book's explanation of a refusal of the money command `group` (its parts, then the command): the same
// decision taken again on the state the engine has now. "" when it cannot be told (configuration commands,
// the state moved on and the decision differs, or the book does not exist yet).
std::string explain_refusal(const Engine& engine, std::span<const Command> group, Result code) {
  const MoneyBook* book = engine.money();
  if (book == nullptr || group.empty()) return "";
  const Command& command = group.back();
  const Actor actor{.id = command.actor, .role = static_cast<Role>(command.role)};
  const Ledger& ledger = engine.ledger();
  Plan plan;
  Refusal refusal;
  Result decided = Result::ok;
  switch (command.command_kind()) {
    case CommandKind::issue_cbdc:
      decided = book->decide_issue(actor, ledger, command.cbdc_amount.bank_wallet, command.cbdc_amount.amount_minor,
                                   &plan, &refusal);
      break;
    case CommandKind::redeem_cbdc:
      decided = book->decide_redeem(actor, ledger, command.cbdc_amount.bank_wallet, command.cbdc_amount.amount_minor,
                                    &plan, &refusal);
      break;
    case CommandKind::grant: {
      GrantRequest request{.program = command.grant.program,
                           .holder = command.grant.holder,
                           .amount_minor = command.grant.amount_minor,
                           .tranches = {}};
      for (const Command& part : group.first(group.size() - 1)) {
        const GrantTranchesPayload& t = part.grant_tranches;
        request.tranches.insert(request.tranches.end(), t.amounts_minor, t.amounts_minor + t.count);
      }
      decided = book->decide_grant(actor, ledger, request, &plan, &refusal);
      break;
    }
    case CommandKind::pay: {
      const PayPayload& p = command.pay;
      // The exchange link's way back: the customer asks and the venue's wallet pays (engine_money.cpp).
      const bool venue_pays = p.exchange_account != 0 && p.payer == engine.exchange_venue_wallet();
      decided = book->decide_payment(venue_pays ? Actor{.id = 0, .role = Role::operator_} : actor, ledger,
                                     PaymentRequest{.payer = p.payer, .payee = p.payee, .amount_minor = p.amount_minor},
                                     &plan, &refusal);
      break;
    }
    case CommandKind::attest_release:
      decided = book->decide_attest(actor, command.release.release, &plan, &refusal);
      break;
    case CommandKind::dispute_release:
      decided = book->decide_dispute(actor, command.release.release, &plan, &refusal);
      break;
    case CommandKind::cancel_release:
      decided = book->decide_cancel_release(actor, command.release.release, &plan, &refusal);
      break;
    case CommandKind::set_program_status:
      decided =
          book->decide_program_status(actor, command.set_program_status.program,
                                      static_cast<ProgramStatus>(command.set_program_status.status), &plan, &refusal);
      break;
    default: return "";
  }
  if (decided != code || refusal.code != code) return "";
  return describe_refusal(*book, refusal);
}

void write_wallet_kinds(Writer& w, std::string_view name, uint8_t kinds) {
  w.key(name).begin_array();
  for (uint8_t kind = 1; kind <= kMaxWalletKind; kind++) {
    if ((kinds & wallet_kind_bit(static_cast<WalletKind>(kind))) != 0)
      w.value(wallet_kind_name(static_cast<WalletKind>(kind)));
  }
  w.end_array();
}

template <typename T>
void write_ids(Writer& w, std::string_view name, const std::vector<T>& ids) {
  w.key(name).begin_array();
  for (const T id : ids) w.value(id);
  w.end_array();
}

// A program's terms (with publish_program's field names), status and money by state.
std::string program_json(const Program& p, uint64_t height) {
  const ProgramSpec& s = p.spec;
  const ProgramStats& t = p.stats;
  Writer w;
  w.begin_object()
      .field("program", p.id)
      .field("code", std::string_view(s.code))
      .field("version", p.version)
      .field("status", program_status_name(p.status))
      .field("height", height)
      .field("issuer_wallet", s.issuer_wallet)
      .field("escrow_account", s.escrow_account)
      .field("valid_from_ns", s.valid_from_ns)
      .field("expires_at_ns", s.expires_at_ns)
      .field("expiry_action", app::expiry_action_name(static_cast<uint8_t>(s.expiry_action)))
      .field("release_rule", app::release_rule_name(static_cast<uint8_t>(s.release_rule)));
  if (s.attester != 0) w.field("attester", s.attester);
  if (s.release_delay_ns != 0) w.field("release_delay_ns", s.release_delay_ns);
  write_ids(w, "allow", s.allow);
  write_ids(w, "deny", s.deny);
  write_ids(w, "categories", s.categories);
  write_ids(w, "regions", s.regions);
  write_ids(w, "eligible_classes", s.eligible_classes);
  write_wallet_kinds(w, "terminal_kinds", s.terminal_kinds);
  w.field("p2p_allowed", s.p2p_allowed).field("cash_out_allowed", s.cash_out_allowed);
  if (s.per_payment_limit_minor != 0) tenge(w, "per_payment_limit", s.per_payment_limit_minor);
  if (s.period_limit_minor != 0) {
    tenge(w, "period_limit", s.period_limit_minor);
    w.field("period_ns", s.period_ns);
  }
  if (s.category_share_cap_bps != 0) w.field("category_share_cap_bps", s.category_share_cap_bps);
  w.field("holders", static_cast<uint64_t>(p.holders.size()));
  tenge(w, "granted", t.granted_minor);
  tenge(w, "pending", t.pending_minor);
  tenge(w, "released", t.released_minor);
  tenge(w, "outstanding", t.outstanding_minor);
  tenge(w, "spent", t.spent_minor);
  tenge(w, "cashed_out", t.cashed_out_minor);
  tenge(w, "moved", t.moved_minor);
  tenge(w, "returned", t.returned_minor);
  tenge(w, "released_at_expiry", t.released_at_expiry_minor);
  w.end_object();
  return w.take();
}

// A wallet: what it is, its class and limits, its free balance and its lots and pending releases.
std::string wallet_json(const Engine& engine, const MoneyBook& book, const Wallet& wallet) {
  const WalletSpec& s = wallet.spec;
  Writer w;
  w.begin_object()
      .field("wallet", wallet.id)
      .field("height", engine.next_height() - 1)
      .field("owner", s.owner)
      .field("kind", wallet_kind_name(s.kind))
      .field("account", s.account);
  if (s.mcc != 0) w.field("mcc", static_cast<uint32_t>(s.mcc));
  if (s.region != 0) w.field("region", static_cast<uint32_t>(s.region));
  w.field("wallet_class", s.wallet_class);
  if (const WalletClass* c = book.wallet_class(s.wallet_class); c != nullptr) {
    w.key("class").begin_object().field("kyc_level", static_cast<uint32_t>(c->kyc_level));
    if (c->balance_cap_minor != 0) tenge(w, "balance_cap", c->balance_cap_minor);
    if (c->per_payment_limit_minor != 0) tenge(w, "per_payment_limit", c->per_payment_limit_minor);
    if (c->daily_limit_minor != 0) tenge(w, "daily_limit", c->daily_limit_minor);
    if (c->annual_limit_minor != 0) tenge(w, "annual_limit", c->annual_limit_minor);
    w.end_object();
  }
  if (s.linked_account != 0) {
    w.field("linked_account", s.linked_account)
        .field("waterfall", s.waterfall)
        .field("reverse_waterfall", s.reverse_waterfall);
  }
  const Account* account = engine.ledger().account(s.account);
  QZ_ASSERT(account != nullptr);
  if (s.kind == WalletKind::central_bank) {
    // The issuance account carries -supply.
    tenge(w, "issued", book.issued_minor());
    tenge(w, "redeemed", book.redeemed_minor());
    tenge(w, "supply", -account->total_minor);
  } else {
    tenge(w, "free", account->available_minor());
    if (account->held_minor + account->locked_minor != 0) tenge(w, "held", account->held_minor + account->locked_minor);
  }
  int64_t in_lots = 0;
  w.key("lots").begin_array();
  for (const Lot& lot : wallet.lots) {
    const Program* p = book.program(lot.program);
    QZ_ASSERT(p != nullptr);
    in_lots += lot.balance_minor;
    w.begin_object().field("program", lot.program).field("code", std::string_view(p->spec.code));
    tenge(w, "balance", lot.balance_minor);
    tenge(w, "received", lot.received_minor);
    w.field("expires_at_ns", lot.expires_at_ns).end_object();
  }
  w.end_array();
  tenge(w, "in_lots", in_lots);
  w.key("pending").begin_array();
  book.for_each_release([&](const PendingRelease& r) {
    if (r.holder != wallet.id) return;
    w.begin_object().field("release", r.id).field("program", r.program).field("grant", r.grant);
    w.field("tranche", static_cast<uint32_t>(r.tranche));
    tenge(w, "amount", r.amount_minor);
    if (r.release_at_ns != 0) w.field("release_at_ns", r.release_at_ns);
    if (r.disputed) w.field("disputed", true);
    w.end_object();
  });
  w.end_array();
  w.key("usage").begin_object().field("day", wallet.usage_day);
  tenge(w, "day_spent", wallet.day_spent_minor);
  w.field("year", wallet.usage_year);
  tenge(w, "year_spent", wallet.year_spent_minor);
  w.end_object().end_object();
  return w.take();
}

}  // namespace

std::span<const NativeRoute> cbdc_routes() { return kCbdcRoutes; }

// ---------------------------------------------------------------------------------------------------------------

void Venue::Impl::route_cbdc(const CallPtr& call) {
  const std::string& path = call->request.path;
  const RequestParams& params = call->params;
  const KeyIdentity& identity = call->identity;
  const auto bad = [&](const std::string& message) { reply_native_error(call, 400, kBadParameter, message); };
  // A positive id parameter; 0 (and the answer sent) when missing or malformed.
  const auto id_param = [&](std::string_view name) -> uint64_t {
    const ParamValue<int64_t> value = param_integer(params, name, Presence::mandatory);
    if (value.present && value.ok() && value.value > 0) return static_cast<uint64_t>(value.value);
    bad("parameter '" + std::string(name) + "' must be a whole number above 0");
    return 0;
  };
  const bool own_wallets_only = identity.role == Role::customer || identity.role == Role::merchant;

  // --- reads ------------------------------------------------------------------------------------------------
  if (path == "/v1/cbdc/wallet") {
    const uint64_t id = id_param("wallet");
    if (id == 0) return;
    std::string body;
    int status = 200;
    node->with_engine([&](const Engine& engine) {
      const MoneyBook* book = engine.money();
      const Wallet* wallet = book == nullptr ? nullptr : book->wallet(id);
      if (wallet == nullptr) {
        status = 404;
        body = "no wallet " + std::to_string(id);
      } else if (own_wallets_only && wallet->spec.owner != identity.owner_user) {
        status = 403;
        body = "wallet " + std::to_string(id) + " is not yours: a " + role_name(identity.role) +
               " reads only the wallets it owns";
      } else {
        body = wallet_json(engine, *book, *wallet);
      }
    });
    if (status == 404) return reply_native_error(call, 404, kNotFound, body);
    if (status == 403) return reply_native_error(call, 403, kForbidden, body);
    return reply(call, 200, std::move(body));
  }

  if (path == "/v1/cbdc/program") {
    uint32_t id = 0;
    const std::string* code = params.find("code");
    if (code == nullptr) {
      const uint64_t given = id_param("program");
      if (given == 0) return;
      id = given > UINT32_MAX ? 0 : static_cast<uint32_t>(given);
    }
    std::string body;
    node->with_engine([&](const Engine& engine) {
      const MoneyBook* book = engine.money();
      if (book == nullptr) return;
      if (code != nullptr) id = book->find_program(*code);
      const Program* program = id == 0 ? nullptr : book->program(id);
      if (program != nullptr) body = program_json(*program, engine.next_height() - 1);
    });
    if (body.empty()) {
      return reply_native_error(
          call, 404, kNotFound,
          code != nullptr ? "no program with code " + code->substr(0, 32) : "no program " + std::to_string(id));
    }
    return reply(call, 200, std::move(body));
  }

  if (path == "/v1/cbdc/reports/program" || path == "/v1/cbdc/reports/trail") {
    const uint64_t given = id_param("program");
    if (given == 0) return;
    if (given > UINT32_MAX) return reply_native_error(call, 404, kNotFound, "no program " + std::to_string(given));
    const auto id = static_cast<uint32_t>(given);
    // A merchant reads the reports of the programs its agency wallets issue.
    if (identity.role == Role::merchant) {
      bool issuer = false;
      node->with_engine([&](const Engine& engine) {
        const MoneyBook* book = engine.money();
        const Program* program = book == nullptr ? nullptr : book->program(id);
        const Wallet* wallet = program == nullptr ? nullptr : book->wallet(program->spec.issuer_wallet);
        issuer = wallet != nullptr && wallet->spec.owner == identity.owner_user;
      });
      if (!issuer) {
        return reply_native_error(call, 403, kForbidden,
                                  "program " + std::to_string(id) +
                                      " is not issued by a wallet of yours: a merchant reads only its own programs' "
                                      "reports");
      }
    }
    app::ProgramJournal journal(id);
    uint64_t height = 0;
    const Status replayed = monitor::replay_journal(
        options.data_dir,
        [&](const monitor::BlockView& block) { journal.on_block(block.height, block.time_ns, block.events); }, &height);
    if (!replayed.is_ok()) return reply_native_error(call, 503, kUnavailable, replayed.message());
    if (!journal.found()) {
      return reply_native_error(
          call, 404, kNotFound,
          "no program " + std::to_string(id) + " in the journal (blocks 0 to " + std::to_string(height) + ")");
    }
    return reply(call, 200, path == "/v1/cbdc/reports/program" ? journal.report_json() : journal.trail_json());
  }

  // --- the money commands -------------------------------------------------------------------------------------
  const std::string_view cmd = route_command(path);
  if (cmd.empty()) return reply_native_error(call, 404, kNotFound, "no such route");
  const std::string* request = params.find("request");
  if (request == nullptr) {
    return bad("missing parameter 'request': the " + std::string(cmd) +
               " command as one JSON object, as `qazna exec` reads it (docs/cli.md)");
  }
  app::InputLine line;
  if (const Status parsed = app::parse_fixed_command(*request, cmd, &line); !parsed.is_ok()) {
    return bad("parameter 'request': " + parsed.message());
  }
  QZ_ASSERT(!line.commands.empty() && is_money_command(line.commands.back().kind));

  // A wallet belongs to a user whose role fits its kind (or, for a merchant wallet such as the exchange's, to
  // the venue itself).
  if (line.commands.back().kind == CommandKind::open_wallet) {
    const OpenWalletPayload& p = line.commands.back().money.open_wallet;
    const auto kind = static_cast<WalletKind>(p.kind);
    if (!(p.owner == kVenueOwner && kind == WalletKind::merchant)) {
      UserRow owner;
      if (!find_user(p.owner, &owner)) {
        return reply_native_error(call, 404, kNotFound, "request \"owner\": no user " + std::to_string(p.owner));
      }
      if (owner.role != owner_role(kind)) {
        return bad("request \"owner\": user " + std::to_string(p.owner) + " has role " + role_name(owner.role) +
                   "; a wallet of kind " + wallet_kind_name(kind) + " belongs to a user of role " +
                   role_name(owner_role(kind)));
      }
    }
  }

  std::vector<Command> commands;
  for (size_t i = 0; i < line.commands.size(); i++) {
    const app::CommandText& text = line.commands[i];
    Command command = text.money;
    command.actor = identity.owner_user;
    command.role = static_cast<uint8_t>(identity.role);
    command.request_id = text.request_id;
    if (line.linked && i + 1 < line.commands.size()) command.flags |= kFlagLinked;
    commands.push_back(command);
  }
  // The I/O thread does not wait for the block: the answer is built on it once the block is durable and
  // projected (payments may come at a rate).
  node->submit_async(commands, [this, call, commands](const Status& status, SubmitResult&& submitted) {
    if (!status.is_ok()) return reply_native_error(call, 503, kUnavailable, status.message());
    auto shared = std::make_shared<SubmitResult>(std::move(submitted));
    when_projected(shared->height, on_io(call, [this, call, commands, shared] {
      acknowledge(call->identity.owner_user, shared->height);
      answer_money(call, commands, *shared);
    }));
  });
}

void Venue::Impl::answer_money(const CallPtr& call, const std::vector<Command>& commands, const SubmitResult& result) {
  // The refusal: the member that failed (the others answer linked_event_failed). A retry of an answered request
  // (the same request_id and command) gets the engine's duplicate event with the original result: success, or
  // that refusal again (its parts answer linked_event_failed: nothing new was decided).
  const Event* refused = nullptr;
  const Event* duplicate = nullptr;
  for (const Event& event : result.events) {
    if (event.event_kind() == EventKind::duplicate) duplicate = &event;
    if (event.event_kind() != EventKind::rejected) continue;
    if (refused == nullptr || refused->result_code() == Result::linked_event_failed) refused = &event;
  }
  if (duplicate != nullptr) refused = duplicate->result_code() == Result::ok ? nullptr : duplicate;
  std::string body;
  node->with_engine([&](const Engine& engine) {
    Writer w;
    if (refused != nullptr) {
      const Result code = refused->result_code();
      std::string message = duplicate != nullptr
                                ? std::string(result_message(code)) + " (the answer to request_id " +
                                      std::to_string(duplicate->duplicate.request_id) + " when it was first sent)"
                                : explain_refusal(engine, commands, code);
      if (message.empty()) message = result_message(code);
      w.begin_object()
          .field("code", static_cast<int>(code))
          .field("name", result_name(code))
          .field("message", std::string_view(message))
          .field("height", result.height)
          .end_object();
    } else {
      w.begin_object().field("height", result.height).key("events").begin_array();
      for (const Event& event : result.events) {
        if (duplicate == nullptr || &event == duplicate) {
          w.raw(app::event_json(event, result.height, nullptr, engine.ledger()));
        }
      }
      w.end_array().end_object();
    }
    body = w.take();
  });
  reply(call, refused != nullptr ? 422 : 200, std::move(body));
}

}  // namespace qz::server
