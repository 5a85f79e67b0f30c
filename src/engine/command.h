// Commands: the fixed 64-byte records the engine applies. Format version 1; layout in docs/formats.md.
//
// A command is built by a gateway (or `qazna exec`) after authentication and stateless validation, sequenced
// into a block and applied by Engine::apply. The in-memory struct IS the wire layout (little-endian, no padding,
// pinned by static_asserts and golden-byte tests), so encoding is a copy and decoding is a copy plus
// decode_command's structural checks. Semantic checks (accounts exist, funds suffice) are the engine's.
//
// Header (24 bytes): kind u16 | flags u8 | role u8 | reserved u32 (zero) | actor u64 | request_id u64
// Payload (40 bytes): one of the structs below, selected by kind; unused bytes are zero.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "base/result.h"
#include "base/role.h"
#include "ledger/ledger.h"

namespace qz {

static_assert(std::endian::native == std::endian::little, "the wire layout is the in-memory layout");

inline constexpr uint32_t kCommandFormatVersion = 1;
inline constexpr size_t kCommandSize = 64;

enum class CommandKind : uint16_t {
  create_asset = 1,
  open_account = 2,
  transfer = 3,
  hold = 4,
  post_hold = 5,
  void_hold = 6,
  // The engine's rules version (operator only; see kEngineRulesVersion in engine/engine.h).
  set_engine_rules = 7,
  // Markets (operator only). docs/markets.md.
  create_market = 10,
  set_market_rules = 11,
  set_market_status = 12,
  set_fee_tier = 13,
  // Orders (customer, merchant, bank or operator: the actor trades its own accounts).
  place_order = 20,
  cancel_order = 21,
  amend_order = 22,
  cancel_all = 23,
  tag_order = 24,  // the text of a client order id (see TagOrderPayload)
  // Clients (operator or compliance; set_client_policy operator only). docs/clients.md.
  register_client = 30,
  update_client = 31,
  set_client_status = 32,
  set_client_policy = 33,
  set_conversion_rate = 34,  // operator; docs/clients.md
  set_tier_limits = 35,      // operator; docs/clients.md
  set_retail_cap = 36,       // operator; docs/clients.md
  // The digital tenge (docs/money.md). Each is its own linked group, except that publish_program may be
  // preceded by linked program_terms, program_limits and program_list commands, and grant by linked
  // grant_tranches: the parts of one definition, applied whole with the command they precede.
  define_wallet_class = 50,  // central bank or operator
  open_wallet = 51,          // banks: their customers' wallets; central bank or operator: any
  program_terms = 52,
  program_limits = 53,
  program_list = 54,
  publish_program = 55,  // the issuer's owner (central bank or an agency) or the operator
  issue_cbdc = 56,       // central bank
  redeem_cbdc = 57,      // central bank
  grant_tranches = 58,
  grant = 59,            // the program issuer's owner or the operator
  pay = 60,              // the payer's owner or the operator; with exchange_account, the exchange link
  attest_release = 61,   // the program's attester (the central bank when it has none)
  dispute_release = 62,  // the program issuer's owner
  cancel_release = 63,   // the program issuer's owner
  set_program_status = 64,  // the program issuer's owner, the central bank or the operator
  set_exchange_link = 65,   // operator: the venue's digital tenge wallet and its tenge account
};
inline constexpr uint16_t kFirstMoneyCommand = 50;
inline constexpr uint16_t kLastMoneyCommand = 65;

// Command flags.
inline constexpr uint8_t kFlagLinked = 0x01;  // this command and the next one succeed or fail together
inline constexpr uint8_t kKnownCommandFlags = kFlagLinked;

struct CreateAssetPayload {
  char code[kAssetCodeSize];  // A-Z 0-9, NUL-padded
  uint8_t scale;
  uint8_t zero[27];
};

struct OpenAccountPayload {
  uint64_t owner;  // user id of the account's owner (0 for the venue itself)
  uint32_t asset;
  uint8_t kind;  // AccountKind
  uint8_t zero[27];
};

struct TransferPayload {
  uint64_t debit;
  uint64_t credit;
  int64_t amount_minor;
  uint64_t reference;  // caller's own reference: journaled with the command, not interpreted by the engine
  uint64_t zero;
};

struct HoldPayload {
  uint64_t account;    // funds reserved on this account
  uint64_t credit;     // destination fixed now, or 0 to name it at post time
  int64_t amount_minor;
  uint64_t timeout_ns;  // 0 = no timeout; otherwise expires at block_time + timeout_ns
  uint64_t reference;
};

struct PostHoldPayload {
  uint64_t hold;
  uint64_t credit;      // 0 = the hold's own credit account
  int64_t amount_minor;  // 0 = everything still held
  uint64_t zero[2];
};

struct VoidHoldPayload {
  uint64_t hold;
  int64_t amount_minor;  // 0 = everything still held
  uint64_t zero[3];
};

// A market's id is assigned by the engine (dense from 1). It starts halted; it can trade once set_market_rules
// has named its fee accounts and set_market_status opened it.
struct CreateMarketPayload {
  uint32_t base;
  uint32_t quote;
  int64_t tick_size;  // price minor units (quote minor per whole base unit)
  int64_t lot_step;   // base minor units
  int64_t min_qty;
  int64_t max_qty;
};

struct SetMarketRulesPayload {
  uint32_t market;
  uint32_t band_bps;  // price band around the reference price; 0 = none (then no market orders)
  int64_t min_notional;
  uint32_t maker_fee_bps;  // tier 0 of the fee schedule
  uint32_t taker_fee_bps;
  uint64_t fee_account_base;   // fee_income accounts of the two assets: fees are paid in the spent asset
  uint64_t fee_account_quote;
};

struct SetMarketStatusPayload {
  uint32_t market;
  uint8_t status;  // MarketStatus: 1 trading, 2 halted, 3 closed (closing cancels every open order; final)
  uint8_t zero[3];
  int64_t reference_price_minor;  // 0 = keep; otherwise the reference until the next trade
  uint8_t zero2[24];
};

// Sets tier `index` of the market's fee schedule and makes the schedule `count` tiers long (index < count; a
// longer schedule may grow by this one tier only). The resulting schedule must be valid (fees.h).
struct SetFeeTierPayload {
  uint32_t market;
  uint8_t index;
  uint8_t count;
  uint8_t zero[2];
  int64_t min_30d_volume_quote_minor;
  uint32_t maker_fee_bps;
  uint32_t taker_fee_bps;
  uint8_t zero2[16];
};

enum class OrderType : uint8_t {
  limit = 1,
  limit_maker = 2,       // post-only: refused when it would take
  market = 3,            // by base quantity, within the protection band
  market_by_quote = 4,   // qty_minor is the quote amount to spend (buy) or receive (sell)
  stop_loss_limit = 5,   // rests off-book until the last trade price reaches stop_price
  take_profit_limit = 6,
};
inline constexpr uint8_t kMaxOrderType = 6;

// 0 is "not given": market and limit_maker orders carry 0; the others name one.
enum class OrderTif : uint8_t { none = 0, gtc = 1, ioc = 2, fok = 3, gtd = 4 };
inline constexpr uint8_t kMaxOrderTif = 4;

enum class OrderSideCode : uint8_t { buy = 1, sell = 2 };

// Self-trade prevention mode, as book.h's SelfTrade: 0 none, 1 expire taker, 2 expire maker, 3 expire both.
inline constexpr uint8_t kMaxStpMode = 3;

// The client order id is the command's request_id (per actor, unique; 0 = none).
struct PlaceOrderPayload {
  uint32_t market;
  uint8_t side;  // OrderSideCode
  uint8_t type;  // OrderType
  uint8_t time_in_force;  // OrderTif
  uint8_t self_trade_prevention;
  int64_t price_minor;       // limit price; 0 for market orders
  int64_t qty_minor;         // base quantity; the quote amount for market_by_quote
  int64_t stop_price_minor;  // stop orders only; else 0
  uint64_t aux;              // iceberg visible quantity (GTC limit orders) or GTD expiry block time (ns)
};

// Names the order by order_id, or (order_id 0) by the client order id the actor gave it.
struct CancelOrderPayload {
  uint32_t market;
  uint32_t zero;
  uint64_t order_id;
  uint64_t client_order_id;
  uint8_t zero2[16];
};

// Lowers the order's quantity to new_qty_minor (its new original quantity: above what has executed, below what
// it was). The order keeps its priority and its hold shrinks to what the rest needs.
struct AmendOrderPayload {
  uint32_t market;
  uint32_t zero;
  uint64_t order_id;
  uint64_t client_order_id;
  int64_t new_qty_minor;
  uint64_t zero2;
};

struct CancelAllPayload {
  uint32_t market;
  uint8_t zero[36];
};

// The text a client gave an order's id (Binance's newClientOrderId), journaled so that answers and history can
// show it: the engine keeps 64-bit client order ids, and a gateway turns the text into one. Sent before the
// place_order it names, by the same actor; the engine only checks the text and answers order_tagged.
inline constexpr size_t kClientOrderIdMax = 36;
struct TagOrderPayload {
  uint8_t length;                   // 1-36
  char text[kClientOrderIdMax];     // A-Z a-z 0-9 _ -; bytes past length are zero
  uint8_t zero[3];
};

// register_client and update_client: the facts of rules/clients.h.
struct ClientFactsPayload {
  uint64_t client;         // user id
  uint8_t classification;  // ClientClass: 1 retail, 2 professional
  uint8_t kyc_tier;        // 0-3
  char residence[2];       // ISO 3166-1 alpha-2
  char nationality[2];
  uint8_t knowledge_test;  // 1 = passed
  uint8_t zero[25];
};

// Freeze, unfreeze, approve or offboard a client. Freezing or offboarding cancels its open orders.
struct SetClientStatusPayload {
  uint64_t client;
  uint8_t status;   // ClientStatus: 2 active, 3 frozen, 4 offboarded
  uint8_t zero;
  uint16_t reason;  // ClientStatusReason
  uint8_t zero2[28];
};

struct SetClientPolicyPayload {
  uint8_t require_registered;  // 1 = customer accounts move money out only for registered, active clients
  uint8_t zero[39];
};

// What one whole unit of an asset (asset 0: one US dollar) is worth in tenge minor units, for the limits.
struct SetConversionRatePayload {
  uint32_t asset;  // an asset id, or 0 for the dollar
  uint32_t zero;
  int64_t tiyn_per_unit;
  uint8_t zero2[24];
};

// A KYC tier's daily and monthly limit of one kind, in tiyn (0 = none).
struct SetTierLimitsPayload {
  uint8_t tier;  // 0-3
  uint8_t limit_kind;  // LimitKind: 1 deposit, 2 withdrawal, 3 purchase
  uint8_t zero[6];
  int64_t daily_tiyn;
  int64_t monthly_tiyn;
  uint8_t zero2[16];
};

// The AIFC retail cap in US cents per calendar month for retail clients resident in `residence` who have not
// passed the knowledge test; 0 = no cap (then residence is zero).
struct SetRetailCapPayload {
  int64_t usd_cents;
  char residence[2];  // ISO 3166-1 alpha-2
  uint8_t zero[30];
};

// The rules the engine decides by from this command on: a version above the current one, at most
// kEngineRulesVersion. Versions only go up, so that a journal always replays under the rules it was written with.
struct SetEngineRulesPayload {
  uint32_t version;
  uint8_t zero[36];
};

// --- The digital tenge (docs/money.md) ---

struct DefineWalletClassPayload {
  uint8_t kyc_level;  // 0-3
  uint8_t zero[7];
  int64_t balance_cap_minor;  // 0 = none, as every limit here
  int64_t per_payment_limit_minor;
  int64_t daily_limit_minor;
  int64_t annual_limit_minor;
};

inline constexpr uint8_t kWalletWaterfall = 0x01;
inline constexpr uint8_t kWalletReverseWaterfall = 0x02;
struct OpenWalletPayload {
  uint64_t owner;
  uint64_t account;         // an existing digital tenge account of the owner; 0 = the engine opens one
  uint64_t linked_account;  // the waterfall link; 0 = none
  uint32_t wallet_class;    // 0 = none
  uint8_t kind;             // WalletKind
  uint8_t flags;            // kWalletWaterfall | kWalletReverseWaterfall
  uint16_t mcc;
  uint16_t region;
  uint8_t zero[6];
};

inline constexpr uint8_t kProgramP2p = 0x01;
inline constexpr uint8_t kProgramCashOut = 0x02;
// A program's times, release rule and switches. Without it a program takes ProgramSpec's defaults.
struct ProgramTermsPayload {
  uint64_t valid_from_ns;
  uint64_t expires_at_ns;  // 0 = never
  uint64_t attester;       // milestone programs: the user who records milestones
  uint32_t category_share_cap_bps;
  uint8_t expiry_action;   // ExpiryAction
  uint8_t release_rule;    // ReleaseRule
  uint8_t terminal_kinds;  // by wallet_kind_bit
  uint8_t flags;           // kProgramP2p | kProgramCashOut
  uint8_t zero[8];
};

struct ProgramLimitsPayload {
  int64_t per_payment_limit_minor;
  int64_t period_limit_minor;
  uint64_t period_ns;
  uint64_t release_delay_ns;
  uint64_t zero;
};

// Appends `count` entries to one of a program's lists; entries past count are zero.
enum class ProgramListKind : uint8_t { allow = 1, deny = 2, categories = 3, regions = 4, classes = 5 };
inline constexpr uint8_t kMaxProgramListKind = 5;
struct ProgramListPayload {
  uint8_t list;   // ProgramListKind
  uint8_t count;  // allow, deny: 1-4; categories, regions: 1-16; classes: 1-8
  uint8_t zero[6];
  union {
    uint64_t wallets[4];
    uint16_t codes[16];
    uint32_t classes[8];
  };
};

struct PublishProgramPayload {
  char code[24];            // NUL-padded
  uint64_t issuer_wallet;
  uint64_t escrow_account;  // an empty escrow account of the digital tenge; 0 = the engine opens one
};

// issue_cbdc (central bank -> bank) and redeem_cbdc (bank -> central bank).
struct CbdcAmountPayload {
  uint64_t bank_wallet;
  int64_t amount_minor;
  uint8_t zero[24];
};

// Milestone tranches of the grant that follows; entries past count are zero.
struct GrantTranchesPayload {
  uint8_t count;  // 1-4
  uint8_t zero[7];
  int64_t amounts_minor[4];
};

struct GrantPayload {
  uint32_t program;
  uint32_t zero;
  uint64_t holder;  // wallet id
  int64_t amount_minor;
  uint8_t zero2[16];
};

struct PayPayload {
  uint64_t payer;  // wallet ids
  uint64_t payee;
  int64_t amount_minor;
  // 0, or the exchange link: the customer's tenge account at the exchange, credited when the payee is the
  // venue's wallet, debited when the payer is (docs/money.md, "The exchange link").
  uint64_t exchange_account;
  uint64_t zero;
};

// attest_release, dispute_release, cancel_release.
struct ReleasePayload {
  uint64_t release;
  uint8_t zero[32];
};

struct SetProgramStatusPayload {
  uint32_t program;
  uint8_t status;  // ProgramStatus: 1 active, 2 paused, 3 revoked
  uint8_t zero[35];
};

struct SetExchangeLinkPayload {
  uint64_t venue_wallet;    // a merchant wallet of category 6051
  uint64_t tenge_account;   // the venue's KZT custody account that backs customers' tenge balances
  uint8_t zero[24];
};

struct Command {
  uint16_t kind;  // CommandKind
  uint8_t flags;
  uint8_t role;  // Role
  uint32_t reserved;
  uint64_t actor;       // user id of whoever asked
  uint64_t request_id;  // idempotency key per actor; 0 = none
  union {
    CreateAssetPayload create_asset;
    OpenAccountPayload open_account;
    TransferPayload transfer;
    HoldPayload hold;
    PostHoldPayload post_hold;
    VoidHoldPayload void_hold;
    CreateMarketPayload create_market;
    SetMarketRulesPayload set_market_rules;
    SetMarketStatusPayload set_market_status;
    SetFeeTierPayload set_fee_tier;
    PlaceOrderPayload place_order;
    CancelOrderPayload cancel_order;
    AmendOrderPayload amend_order;
    CancelAllPayload cancel_all;
    TagOrderPayload tag_order;
    ClientFactsPayload client_facts;  // register_client, update_client
    SetClientStatusPayload set_client_status;
    SetClientPolicyPayload set_client_policy;
    SetConversionRatePayload set_conversion_rate;
    SetTierLimitsPayload set_tier_limits;
    SetRetailCapPayload set_retail_cap;
    SetEngineRulesPayload set_engine_rules;
    DefineWalletClassPayload define_wallet_class;
    OpenWalletPayload open_wallet;
    ProgramTermsPayload program_terms;
    ProgramLimitsPayload program_limits;
    ProgramListPayload program_list;
    PublishProgramPayload publish_program;
    CbdcAmountPayload cbdc_amount;  // issue_cbdc, redeem_cbdc
    GrantTranchesPayload grant_tranches;
    GrantPayload grant;
    PayPayload pay;
    ReleasePayload release;  // attest_release, dispute_release, cancel_release
    SetProgramStatusPayload set_program_status;
    SetExchangeLinkPayload set_exchange_link;
    uint8_t payload[40];
  };

  CommandKind command_kind() const { return static_cast<CommandKind>(kind); }
  bool linked() const { return (flags & kFlagLinked) != 0; }
};

static_assert(sizeof(CreateAssetPayload) == 40);
static_assert(sizeof(ClientFactsPayload) == 40);
static_assert(sizeof(SetClientStatusPayload) == 40);
static_assert(sizeof(SetClientPolicyPayload) == 40);
static_assert(sizeof(SetConversionRatePayload) == 40);
static_assert(sizeof(SetTierLimitsPayload) == 40);
static_assert(sizeof(SetRetailCapPayload) == 40);
static_assert(sizeof(SetEngineRulesPayload) == 40);
static_assert(sizeof(OpenAccountPayload) == 40);
static_assert(sizeof(TransferPayload) == 40);
static_assert(sizeof(HoldPayload) == 40);
static_assert(sizeof(PostHoldPayload) == 40);
static_assert(sizeof(VoidHoldPayload) == 40);
static_assert(sizeof(CreateMarketPayload) == 40);
static_assert(sizeof(SetMarketRulesPayload) == 40);
static_assert(sizeof(SetMarketStatusPayload) == 40);
static_assert(sizeof(SetFeeTierPayload) == 40);
static_assert(sizeof(PlaceOrderPayload) == 40);
static_assert(offsetof(PlaceOrderPayload, price_minor) == 8);
static_assert(offsetof(PlaceOrderPayload, aux) == 32);
static_assert(sizeof(CancelOrderPayload) == 40);
static_assert(sizeof(AmendOrderPayload) == 40);
static_assert(offsetof(AmendOrderPayload, new_qty_minor) == 24);
static_assert(sizeof(CancelAllPayload) == 40);
static_assert(sizeof(TagOrderPayload) == 40);
static_assert(offsetof(VoidHoldPayload, amount_minor) == 8);
static_assert(offsetof(VoidHoldPayload, zero) == 16);
static_assert(sizeof(DefineWalletClassPayload) == 40);
static_assert(sizeof(OpenWalletPayload) == 40);
static_assert(sizeof(ProgramTermsPayload) == 40);
static_assert(sizeof(ProgramLimitsPayload) == 40);
static_assert(sizeof(ProgramListPayload) == 40);
static_assert(offsetof(ProgramListPayload, wallets) == 8);
static_assert(sizeof(PublishProgramPayload) == 40);
static_assert(sizeof(CbdcAmountPayload) == 40);
static_assert(sizeof(GrantTranchesPayload) == 40);
static_assert(sizeof(GrantPayload) == 40);
static_assert(sizeof(PayPayload) == 40);
static_assert(sizeof(ReleasePayload) == 40);
static_assert(sizeof(SetProgramStatusPayload) == 40);
static_assert(sizeof(SetExchangeLinkPayload) == 40);
static_assert(sizeof(Command) == kCommandSize);
static_assert(offsetof(Command, actor) == 8);
static_assert(offsetof(Command, request_id) == 16);
static_assert(offsetof(Command, payload) == 24);
static_assert(std::is_trivially_copyable_v<Command>);

// Zero-initialised commands of each kind, ready for their fields. Actor and role default to the operator.
Command make_create_asset(std::string_view code, uint8_t scale);
Command make_open_account(uint64_t owner, uint32_t asset, AccountKind kind);
Command make_transfer(uint64_t debit, uint64_t credit, int64_t amount_minor);
Command make_hold(uint64_t account, uint64_t credit, int64_t amount_minor, uint64_t timeout_ns);
Command make_post_hold(uint64_t hold, uint64_t credit, int64_t amount_minor);
Command make_void_hold(uint64_t hold, int64_t amount_minor = 0);  // amount 0 = everything still held
Command make_create_market(uint32_t base, uint32_t quote, int64_t tick_size, int64_t lot_step, int64_t min_qty,
                           int64_t max_qty);
Command make_set_market_rules(uint32_t market, uint32_t band_bps, int64_t min_notional, uint32_t maker_fee_bps,
                              uint32_t taker_fee_bps, uint64_t fee_account_base, uint64_t fee_account_quote);
Command make_set_market_status(uint32_t market, uint8_t status, int64_t reference_price_minor = 0);
Command make_set_fee_tier(uint32_t market, uint8_t index, uint8_t count, int64_t min_volume_quote_minor,
                          uint32_t maker_fee_bps, uint32_t taker_fee_bps);
// Order commands default to role customer; the caller sets actor (and request_id, the client order id).
Command make_place_order(uint64_t actor, uint32_t market, OrderSideCode side, OrderType type, OrderTif tif,
                         int64_t price_minor, int64_t qty_minor);
Command make_cancel_order(uint64_t actor, uint32_t market, uint64_t order_id, uint64_t client_order_id = 0);
Command make_amend_order(uint64_t actor, uint32_t market, uint64_t order_id, int64_t new_qty_minor);
Command make_cancel_all(uint64_t actor, uint32_t market);
// `text` must be at most kClientOrderIdMax bytes (asserted); its characters are checked by validate_command.
Command make_tag_order(uint64_t actor, std::string_view text);
// Client commands, as the operator (tests and tools set another actor and role where they need one).
Command make_register_client(uint64_t client, uint8_t classification, uint8_t kyc_tier, const char residence[2],
                             const char nationality[2], bool knowledge_test);
Command make_update_client(uint64_t client, uint8_t classification, uint8_t kyc_tier, const char residence[2],
                           const char nationality[2], bool knowledge_test);
Command make_set_client_status(uint64_t client, uint8_t status, uint16_t reason);
Command make_set_client_policy(bool require_registered);
Command make_set_conversion_rate(uint32_t asset, int64_t tiyn_per_unit);
Command make_set_tier_limits(uint8_t tier, uint8_t limit_kind, int64_t daily_tiyn, int64_t monthly_tiyn);
Command make_set_retail_cap(int64_t usd_cents, const char residence[2]);
Command make_set_engine_rules(uint32_t version);  // as the operator

// Money commands, as the operator unless said otherwise (set actor and role for another).
Command make_define_wallet_class(uint8_t kyc_level, int64_t balance_cap_minor, int64_t per_payment_limit_minor,
                                 int64_t daily_limit_minor, int64_t annual_limit_minor);
Command make_open_wallet(const OpenWalletPayload& wallet);
Command make_publish_program(std::string_view code, uint64_t issuer_wallet, uint64_t escrow_account);
Command make_issue_cbdc(uint64_t bank_wallet, int64_t amount_minor);   // role central_bank, actor 0
Command make_redeem_cbdc(uint64_t bank_wallet, int64_t amount_minor);  // role central_bank, actor 0
Command make_grant(uint32_t program, uint64_t holder, int64_t amount_minor);
Command make_pay(uint64_t actor, uint64_t payer, uint64_t payee, int64_t amount_minor,
                 uint64_t exchange_account = 0);  // role customer
Command make_release_command(CommandKind kind, uint64_t release);  // attest, dispute or cancel a release
Command make_set_program_status(uint32_t program, uint8_t status);
Command make_set_exchange_link(uint64_t venue_wallet, uint64_t tenge_account);
inline bool is_money_command(CommandKind kind) {
  const auto k = static_cast<uint16_t>(kind);
  return k >= kFirstMoneyCommand && k <= kLastMoneyCommand;
}
// The parts that precede publish_program or grant in their group.
inline bool is_money_part(CommandKind kind) {
  return kind == CommandKind::program_terms || kind == CommandKind::program_limits ||
         kind == CommandKind::program_list || kind == CommandKind::grant_tranches;
}

const char* command_kind_name(CommandKind kind);  // "transfer"; "unknown" otherwise

// Structural checks of one command, in this order: unknown_command_kind (kind not listed),
// reserved_field_not_zero (unknown flag bits, reserved header field, or payload bytes the kind does not use),
// order_field_invalid (place_order: side, type, time in force or STP mode out of range),
// actor_not_permitted (role not listed). Who may send which kind is the engine's check. The engine runs the same checks before anything else.
[[nodiscard]] Result validate_command(const Command& command);

// Copies 64 bytes into *out and validates them (validate_command). Never reads past `bytes`; a size other than
// 64 is reserved_field_not_zero.
[[nodiscard]] Result decode_command(std::span<const uint8_t> bytes, Command* out);

// Writes the 64 bytes of `command` to `out`.
void encode_command(const Command& command, uint8_t out[kCommandSize]);

}  // namespace qz
