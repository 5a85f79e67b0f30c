#include "server/openapi.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "json/writer.h"

namespace qz::server {

namespace {

struct Param {
  const char* name;
  const char* type;  // "string", "integer"
  bool required;
  const char* description;
};

struct Operation {
  const char* method;  // lower case
  const char* path;
  const char* summary;
  const char* roles;
  std::vector<Param> params;
  const char* result;  // a description of the answer
};

// What a /v1/cbdc POST answers.
constexpr const char* kCbdcAnswer =
    "height and events[] (the command's events as `qazna exec` prints them); the engine's refusal is 422 with "
    "code, name, message and height";

const std::vector<Operation>& operations() {
  static const std::vector<Operation> kOperations = {
      {"get", "/v1/me", "The caller: user, role and balances", "any", {}, "userId, name, role, balances[]"},
      {"get", "/v1/users", "Every user", "operator, compliance, regulator", {}, "an array of users"},
      {"post",
       "/v1/users",
       "Create a user (trading roles get an account in every asset)",
       "operator",
       {{"name", "string", true, "1-128 bytes"},
        {"role", "string", true, "operator, customer, merchant, compliance, regulator, central_bank or bank"}},
       "userId, name, role, createdTime"},
      {"post",
       "/v1/keys",
       "Create an API key for a user: Ed25519 when publicKey is given, else HMAC-SHA256 with a secret shown only "
       "in this answer",
       "operator",
       {{"userId", "integer", true, "the key's owner"},
        {"publicKey", "string", false, "the user's Ed25519 public key, base64 of 32 bytes or PEM"},
        {"permissions", "string", false, "comma list of read, trade, withdraw (read is always granted)"},
        {"ips", "string", false, "comma list of addresses or CIDR ranges (required with withdraw)"}},
       "apiKey, type (HMAC_SHA256 with secret, or ED25519), userId, role"},
      {"delete", "/v1/keys", "Revoke an API key", "operator", {{"apiKey", "string", true, "the key id"}}, "revoked"},
      {"post",
       "/v1/assets",
       "Create an asset with the venue's issuance and fee accounts",
       "operator",
       {{"code", "string", true, "1-12 upper-case letters and digits"},
        {"scale", "integer", true, "decimal places of the minor unit, 0-18"}},
       "asset, code, scale"},
      {"post",
       "/v1/markets",
       "Create a market and open it for trading",
       "operator",
       {{"base", "string", true, "base asset code"},
        {"quote", "string", true, "quote asset code"},
        {"tickSize", "string", true, "decimal, in the quote asset"},
        {"stepSize", "string", true, "decimal, in the base asset"},
        {"minQty", "string", false, "decimal (default: stepSize)"},
        {"maxQty", "string", true, "decimal"},
        {"minNotional", "string", false, "decimal, in the quote asset (default 0)"},
        {"price", "string", true, "the opening reference price"},
        {"bandBps", "integer", false, "price band around the last trade, basis points (default 1000, at most 9000)"},
        {"makerBps", "integer", false, "maker fee (default 10)"},
        {"takerBps", "integer", false, "taker fee (default 20)"}},
       "market, symbol"},
      {"post",
       "/v1/markets/status",
       "Halt, resume or close a market",
       "operator",
       {{"symbol", "string", true, "e.g. BTCKZT"}, {"status", "string", true, "TRADING, HALT or CLOSED"}},
       "symbol, status"},
      {"post",
       "/v1/deposits",
       "Credit a user's deposit (from the asset's issuance account)",
       "operator",
       {{"userId", "integer", true, "the depositor"},
        {"asset", "string", true, "asset code"},
        {"amount", "string", true, "decimal, positive"},
        {"travelRule", "string", false,
         "crypto assets: the IVMS101 record (JSON) of originator and beneficiary (docs/travel-rule.md)"},
        {"counterparty", "string", false, "vasp (default) or self_hosted"},
        {"ownershipDeclared", "string", false, "true: the client declares it controls the self-hosted wallet"}},
       "transferId, userId, asset, amount, balance; travelRuleDigest, and screeningCase when an originator is a "
       "screening hit (an active client is frozen until it is cleared). Refusals 619-624 name the item missing"},
      {"post",
       "/v1/withdrawals",
       "Request a withdrawal: the amount is held until an operator approves or rejects it",
       "customer, merchant, bank (withdraw permission)",
       {{"asset", "string", true, "asset code"},
        {"amount", "string", true, "decimal, positive"},
        {"address", "string", true, "where the funds go"},
        {"travelRule", "string", false,
         "crypto assets: the IVMS101 record (JSON) of originator and beneficiary (docs/travel-rule.md)"},
        {"counterparty", "string", false, "vasp (default) or self_hosted"},
        {"ownershipDeclared", "string", false, "true: the client declares it controls the self-hosted wallet"}},
       "withdrawalId, asset, amount, status PENDING, or HELD with screeningCase when the beneficiary is a "
       "screening hit; travelRuleDigest. Refusals 619-624 name the travel-rule item missing"},
      {"post",
       "/v1/withdrawals/approve",
       "Pay out a pending withdrawal",
       "operator",
       {{"withdrawalId", "integer", true, "from POST /v1/withdrawals"}},
       "withdrawalId, status COMPLETED; 409 while a screening case holds it or after it confirmed a match"},
      {"post",
       "/v1/withdrawals/reject",
       "Release a pending withdrawal's funds back to the user",
       "operator",
       {{"withdrawalId", "integer", true, "from POST /v1/withdrawals"}},
       "withdrawalId, status REJECTED"},
      {"get",
       "/v1/clients",
       "Client records (docs/kyc.md): every client's summary, or one client's record, status, screenings, holds "
       "and log",
       "compliance, regulator",
       {{"clientId", "integer", false, "one client"}},
       "an array of summaries, or one client"},
      {"post",
       "/v1/clients",
       "Onboard a client: its names screened, registered pending, held on a hit",
       "compliance",
       {{"record", "string", true, "the client record, JSON (docs/kyc.md)"}},
       "clientId, version, hits, screeningCase, held, commands, height"},
      {"post",
       "/v1/clients/update",
       "A new version of a client's record; new names are screened, changed facts journaled",
       "compliance",
       {{"record", "string", true, "the client record, JSON"}},
       "clientId, version, hits, screeningCase, commands, height"},
      {"post",
       "/v1/clients/approve",
       "Approve a pending client (active, kyc_approved); refused while a screening case holds it",
       "compliance",
       {{"clientId", "integer", true, "the client"}},
       "clientId, status active, commands, height"},
      {"post",
       "/v1/clients/freeze",
       "Freeze a client: nothing moves out of its accounts, its open orders are cancelled",
       "compliance",
       {{"clientId", "integer", true, "the client"},
        {"reason", "string", false, "compliance_review (default) or court_order"},
        {"text", "string", false, "the officer's note"}},
       "clientId, status frozen, reason, height"},
      {"post",
       "/v1/clients/unfreeze",
       "Unfreeze a client (active, review_cleared); refused after a confirmed sanctions match",
       "compliance",
       {{"clientId", "integer", true, "the client"}, {"text", "string", false, "the officer's note"}},
       "clientId, status active, reason, height"},
      {"get",
       "/v1/screening",
       "Screen a name against the sanctions and PEP lists the venue loaded (qazna serve --sanctions)",
       "compliance, regulator",
       {{"name", "string", true, "any script"},
        {"dob", "string", false, "YYYY-MM-DD, YYYY-MM or YYYY"},
        {"country", "string", false, "ISO 3166-1 alpha-2 or an English name"},
        {"threshold", "integer", false, "0-100 (default the screener's, 76)"}},
       "name, threshold, lists, hits[] with list, uid, type, score, names and explanation"},
      {"get",
       "/v1/alerts",
       "Monitoring alerts (docs/monitor.md): the journal replayed through the AML and market-abuse rules",
       "compliance, regulator",
       {{"clientId", "integer", false, "one client's alerts"}},
       "an array of alerts"},
      {"get",
       "/v1/cases",
       "Cases over monitoring alerts: all, or one",
       "compliance, regulator",
       {{"caseId", "integer", false, "one case"}},
       "an array of cases, or one case with its alerts and actions"},
      {"post",
       "/v1/cases",
       "Open a case from alerts of one client",
       "compliance",
       {{"alertIds", "string", true, "alert ids, comma separated"}, {"note", "string", false, "why"}},
       "the case"},
      {"post",
       "/v1/cases/assign",
       "Assign an open case",
       "compliance",
       {{"caseId", "integer", true, "the case"}, {"assignee", "string", true, "the officer who takes it"}},
       "the case"},
      {"post",
       "/v1/cases/comment",
       "Comment on an open case",
       "compliance",
       {{"caseId", "integer", true, "the case"}, {"text", "string", true, "the comment"}},
       "the case"},
      {"post",
       "/v1/cases/close",
       "Close a case with an outcome (final); client_frozen first freezes the client (compliance_review)",
       "compliance",
       {{"caseId", "integer", true, "the case"},
        {"outcome", "string", true, "no_action, str_filed, client_frozen or client_offboarded"},
        {"text", "string", false, "the reasoning"}},
       "the case"},
      {"get",
       "/v1/cases/screening",
       "Screening cases: the holds screening hits opened on clients, their deposits and withdrawals",
       "compliance, regulator",
       {{"clientId", "integer", false, "one client's"}},
       "an array: screeningCase, clientId, state, deposits and withdrawals it holds, hits"},
      {"post",
       "/v1/cases/screening/clear",
       "Clear a client's open screening case as a false positive: its withdrawals become approvable",
       "compliance",
       {{"clientId", "integer", true, "the client"}, {"text", "string", true, "the reasoning"}},
       "clientId, screeningCase, commands, state cleared"},
      {"post",
       "/v1/cases/screening/confirm",
       "Confirm a client's open screening case as a true match: the client is frozen (sanctions_match) and the "
       "report prepared",
       "compliance",
       {{"clientId", "integer", true, "the client"},
        {"text", "string", true, "the reasoning"},
        {"entry", "string", false, "LIST:UID of the hit confirmed (default the best)"}},
       "clientId, screeningCase, commands, height, state confirmed"},
      {"get",
       "/v1/cases/screening/report",
       "The sanctions match reports of a client's confirmed screening cases",
       "compliance, regulator",
       {{"clientId", "integer", true, "the client"}},
       "an array of reports (docs/kyc.md)"},
      {"get",
       "/v1/reports/aml",
       "The AFSA annual AML statistics of a calendar year, from the journal (docs/reports.md)",
       "compliance, regulator",
       {{"year", "string", true, "YYYY"}},
       "the report (docs/reports.md)"},
      {"get",
       "/v1/reports/quarterly",
       "The quarterly client and volume report, from the journal (docs/reports.md)",
       "compliance, regulator",
       {{"quarter", "string", true, "YYYYQn"}},
       "the report (docs/reports.md)"},
      {"get",
       "/v1/travel-rule",
       "Export the travel-rule records of crypto deposits and withdrawals (docs/travel-rule.md)",
       "compliance, regulator",
       {{"withdrawalId", "integer", false, "one withdrawal"}, {"depositId", "integer", false, "one deposit"}},
       "an array in block order: kind, depositId or withdrawalId, userId, height, time, asset, amount, usdCents, "
       "usdValued, counterparty, fields, digest, record (IVMS101), screeningCase"},
      // The digital tenge (docs/money.md): each POST takes the command `qazna exec` reads (docs/cli.md) in
      // `request`; actor and role come from the key.
      {"post",
       "/v1/cbdc/wallet-classes",
       "Define a wallet class: a KYC level with a balance cap and payment limits",
       "central_bank, operator",
       {{"request", "string", true,
         "define_wallet_class as JSON: kyc_level; balance_cap, per_payment_limit, daily_limit, annual_limit"}},
       kCbdcAnswer},
      {"post",
       "/v1/cbdc/wallets",
       "Open a wallet (with its DKZT account unless one is named)",
       "central_bank, bank (not banks' or the central bank's wallets), operator",
       {{"request", "string", true,
         "open_wallet as JSON: owner (a user whose role fits the kind: individual customer; merchant, agency, "
         "contractor merchant; bank bank; central_bank central_bank), kind; account, wallet_class, mcc, region, "
         "linked_account, waterfall, reverse_waterfall"}},
       kCbdcAnswer},
      {"post",
       "/v1/cbdc/programs",
       "Publish a program (purpose-bound money) or its next version",
       "central_bank, merchant (an agency wallet's owner), operator",
       {{"request", "string", true,
         "publish_program as JSON: code, issuer_wallet; escrow_account, valid_from_ns, expires_at_ns, "
         "expiry_action, release_rule, attester, release_delay_ns, allow, deny, categories, regions, "
         "eligible_classes, terminal_kinds, p2p_allowed, cash_out_allowed, per_payment_limit, period_limit, "
         "period_ns, category_share_cap_bps"}},
       kCbdcAnswer},
      {"post",
       "/v1/cbdc/issue",
       "Issue digital tenge to a bank's wallet",
       "central_bank",
       {{"request", "string", true, "issue_cbdc as JSON: bank_wallet, amount"}},
       kCbdcAnswer},
      {"post",
       "/v1/cbdc/redeem",
       "Redeem digital tenge from a bank's wallet",
       "central_bank",
       {{"request", "string", true, "redeem_cbdc as JSON: bank_wallet, amount"}},
       kCbdcAnswer},
      {"post",
       "/v1/cbdc/grants",
       "Grant program money to a holder (milestone programs: in tranches)",
       "central_bank, merchant (an agency issuer's owner)",
       {{"request", "string", true, "grant as JSON: program, holder, amount; tranches"}},
       kCbdcAnswer},
      {"post",
       "/v1/cbdc/payments",
       "Pay from a wallet the caller owns: lots first (program conditions), then the free balance",
       "customer, merchant, bank",
       {{"request", "string", true, "pay as JSON: payer, payee, amount; exchange_account"}},
       kCbdcAnswer},
      {"post",
       "/v1/cbdc/releases/attest",
       "Attest a milestone (or settle a disputed delayed release): the pending release becomes spendable",
       "central_bank, bank, merchant (the program's attester)",
       {{"request", "string", true, "attest_release as JSON: release"}},
       kCbdcAnswer},
      {"post",
       "/v1/cbdc/releases/dispute",
       "Dispute a delayed release before it releases",
       "central_bank, merchant (the issuer's owner)",
       {{"request", "string", true, "dispute_release as JSON: release"}},
       kCbdcAnswer},
      {"post",
       "/v1/cbdc/releases/cancel",
       "Cancel a pending release: its money goes back to the issuer",
       "central_bank, merchant (the issuer's owner)",
       {{"request", "string", true, "cancel_release as JSON: release"}},
       kCbdcAnswer},
      {"post",
       "/v1/cbdc/programs/status",
       "Pause, resume or revoke a program (revocation returns every lot and pending release to the issuer)",
       "central_bank, merchant (the issuer's owner), operator",
       {{"request", "string", true, "set_program_status as JSON: program, status (active, paused, revoked)"}},
       kCbdcAnswer},
      {"post",
       "/v1/cbdc/exchange-link",
       "Link the exchange: the venue's MCC 6051 wallet and its KZT account",
       "operator",
       {{"request", "string", true, "set_exchange_link as JSON: venue_wallet, tenge_account"}},
       kCbdcAnswer},
      {"get",
       "/v1/cbdc/wallet",
       "A wallet: kind, owner, class and limits, free balance, lots per program, pending releases, usage",
       "any (customers and merchants: their own wallets only)",
       {{"wallet", "integer", true, "the wallet id"}},
       "wallet, height, owner, kind, account, mcc, region, wallet_class, class, free (the central bank: issued, "
       "redeemed, supply), lots[] (program, code, balance, received, expires_at_ns), in_lots, pending[], usage"},
      {"get",
       "/v1/cbdc/program",
       "A program's terms (publish_program's fields), status and money by state",
       "any",
       {{"program", "integer", false, "the program id"}, {"code", "string", false, "or its code (latest version)"}},
       "program, code, version, status, height, the terms, holders, granted, pending, released, outstanding, "
       "spent, cashed_out, moved, returned, released_at_expiry"},
      {"get",
       "/v1/cbdc/reports/program",
       "A program's money by state from the journal, as `qazna program report` prints it",
       "central_bank, operator, compliance, regulator, merchant (its issuer's owner)",
       {{"program", "integer", true, "the program id"}},
       "the report of docs/cli.md (`qazna program report`)"},
      {"get",
       "/v1/cbdc/reports/trail",
       "Every hop of a program's money from the journal, as `qazna program trail` prints it",
       "central_bank, operator, compliance, regulator, merchant (its issuer's owner)",
       {{"program", "integer", true, "the program id"}},
       "the trail of docs/cli.md (`qazna program trail`)"},
  };
  return kOperations;
}

void write_signing_params(json::Writer& w) {
  for (const char* name : {"timestamp", "recvWindow", "signature"}) {
    w.begin_object()
        .field("name", name)
        .field("in", "query")
        .field("required", std::string_view(name) != "recvWindow");
    w.key("schema").begin_object().field("type", std::string_view(name) == "signature" ? "string" : "integer").end_object();
    w.end_object();
  }
}

std::string build() {
  json::Writer w;
  w.begin_object().field("openapi", "3.0.3");
  w.key("info")
      .begin_object()
      .field("title", "Qazna native API")
      .field("version", "1")
      .field("description",
             "What the Binance-compatible trading API lacks: users, API keys, assets, markets, deposits and "
             "withdrawals with the travel rule, client records, screening, alerts, cases and reports, and the "
             "digital tenge's wallets, programs, issuance and payments. Requests are signed like the trading API's "
             "(docs/api-auth.md): the X-MBX-APIKEY header, form parameters in the query string or an application/x-www-form-urlencoded body, timestamp and "
             "signature (HMAC-SHA256 hex, or Ed25519 base64, over the query then the body). Errors are "
             "{\"code\", \"message\"}: 1001 bad parameter, 1002 unauthenticated, 1003 forbidden (role or "
             "permission), 1004 not found, 1005 conflict, 1006 unavailable, 1007 rate limited; the engine's "
             "refusals carry its result codes (docs/result-codes.md).")
      .end_object();
  w.key("components").begin_object();
  w.key("securitySchemes")
      .begin_object()
      .key("apiKey")
      .begin_object()
      .field("type", "apiKey")
      .field("in", "header")
      .field("name", "X-MBX-APIKEY")
      .end_object()
      .end_object();
  w.key("schemas")
      .begin_object()
      .key("Error")
      .begin_object()
      .field("type", "object");
  w.key("properties")
      .begin_object()
      .key("code")
      .begin_object()
      .field("type", "integer")
      .end_object()
      .key("message")
      .begin_object()
      .field("type", "string")
      .end_object()
      .end_object();
  w.end_object();
  // The engine's refusal of a /v1/cbdc command: its result code, name and message, and the block's height.
  w.key("Refusal").begin_object().field("type", "object");
  w.key("properties").begin_object();
  for (const auto& [name, type] : {std::pair{"code", "integer"}, std::pair{"name", "string"},
                                   std::pair{"message", "string"}, std::pair{"height", "integer"}}) {
    w.key(name).begin_object().field("type", type).end_object();
  }
  w.end_object().end_object();
  w.end_object();
  w.end_object();
  w.key("paths").begin_object();
  const std::vector<Operation>& ops = operations();
  for (size_t i = 0; i < ops.size(); i++) {
    const std::string path = ops[i].path;
    if (i > 0 && path == ops[i - 1].path) continue;  // written with the first operation of its path
    w.key(path).begin_object();
    for (size_t j = i; j < ops.size() && ops[j].path == path; j++) {
      const Operation& op = ops[j];
      w.key(op.method).begin_object();
      w.field("summary", op.summary);
      w.field("description", std::string("Roles: ") + op.roles + ".");
      w.key("security").begin_array().begin_object().key("apiKey").begin_array().end_array().end_object().end_array();
      w.key("parameters").begin_array();
      write_signing_params(w);
      for (const Param& p : op.params) {
        w.begin_object().field("name", p.name).field("in", "query").field("required", p.required);
        w.field("description", p.description);
        w.key("schema").begin_object().field("type", p.type).end_object();
        w.end_object();
      }
      w.end_array();
      w.key("responses").begin_object();
      w.key("200").begin_object().field("description", op.result).end_object();
      // A JSON answer of one of components.schemas.
      const auto json_response = [&w](const char* status, const char* description, const char* schema) {
        w.key(status).begin_object().field("description", description);
        w.key("content")
            .begin_object()
            .key("application/json")
            .begin_object()
            .key("schema")
            .begin_object()
            .field("$ref", schema)
            .end_object()
            .end_object()
            .end_object();
        w.end_object();
      };
      const bool cbdc_command = std::string_view(op.method) == "post" && path.starts_with("/v1/cbdc/");
      if (cbdc_command) json_response("422", "the engine refused the command", "#/components/schemas/Refusal");
      for (const char* status : {"400", "401", "403", "404"}) {
        json_response(status, "refused", "#/components/schemas/Error");
      }
      w.end_object();
      w.end_object();
    }
    w.end_object();
  }
  w.end_object();
  w.end_object();
  return w.take();
}

}  // namespace

std::string_view openapi_document() {
  static const std::string kDocument = build();
  return kDocument;
}

}  // namespace qz::server
