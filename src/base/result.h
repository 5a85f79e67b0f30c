// Result codes: every business rejection in the core is one of these values.
//
// The numbers are stable forever: they are written into events, journals and API replies. Never renumber or
// reuse a code; add new ones at the end of their range. Ranges:
//     0        ok
//     1-99     command envelope (kind, flags, permissions, linked groups, idempotency)
//     100-199  ledger (assets, accounts, transfers, holds)
//     200-399  market (later)
//     400-599  money / digital tenge (400-439 wallets, programs, releases; 440-599 program conditions)
//     600-799  rules / compliance (later)
// Within a command, the checks run in the order the codes are listed for it in docs/result-codes.md.
#pragma once

#include <cstdint>

namespace qz {

#define QZ_RESULT_CODES(X)                                                                                     \
  X(ok, 0, "ok")                                                                                               \
  X(unknown_command_kind, 1, "unknown command kind")                                                           \
  X(reserved_field_not_zero, 2, "a reserved field or flag is not zero")                                        \
  X(actor_not_permitted, 3, "the actor's role does not permit this command")                                   \
  X(linked_event_failed, 4, "another command in the linked group failed, so none of it was applied")          \
  X(linked_group_open, 5, "the last command of the block is marked linked: the group is not closed")           \
  X(request_id_reused, 6, "this request id was already used by the same actor for a different command")        \
  X(linked_group_unsupported, 7, "market and order commands cannot be linked, except cancel_order then place_order") \
  X(engine_rules_invalid, 8, "rules version must be above the engine's current one and at most the newest it knows") \
  X(asset_code_invalid, 100, "asset code must be 1-12 characters A-Z or 0-9")                                  \
  X(asset_scale_invalid, 101, "asset scale must be between 0 and 18")                                          \
  X(asset_exists, 102, "an asset with this code already exists")                                              \
  X(asset_limit_reached, 103, "no more assets can be created")                                                 \
  X(asset_not_found, 110, "asset not found")                                                                   \
  X(account_kind_invalid, 111, "account kind must be customer, custody, fee_income, issuance or escrow")        \
  X(account_limit_reached, 112, "no more accounts can be opened")                                              \
  X(amount_must_be_positive, 120, "amount must be positive")                                                   \
  X(accounts_must_differ, 121, "debit and credit accounts must differ")                                        \
  X(debit_account_not_found, 122, "debit account not found")                                                   \
  X(credit_account_not_found, 123, "credit account not found")                                                 \
  X(asset_mismatch, 124, "debit and credit accounts hold different assets")                                    \
  X(debit_not_permitted, 125, "the actor may not move funds out of this account")                              \
  X(insufficient_funds, 126, "insufficient available balance")                                                 \
  X(balance_overflow, 127, "the balance would overflow")                                                       \
  X(hold_timeout_invalid, 130, "hold timeout is too large")                                                    \
  X(hold_not_found, 131, "hold not found")                                                                     \
  X(hold_already_closed, 132, "hold was already posted in full, voided or expired")                            \
  X(hold_credit_required, 133, "this hold has no credit account: the post must name one")                      \
  X(hold_credit_mismatch, 134, "the post names a credit account other than the hold's")                        \
  X(hold_amount_exceeded, 135, "amount exceeds the amount still held")                                    \
  X(hold_limit_reached, 136, "no more holds can be placed")                                                    \
  X(market_assets_invalid, 200, "a market needs two different existing assets")                                 \
  X(market_tick_invalid, 201, "tick size must be positive")                                                    \
  X(market_lot_invalid, 202, "lot step must be positive and tick size times lot step a whole quote amount")     \
  X(market_qty_limits_invalid, 203, "quantity limits must be multiples of the lot step with min <= max")        \
  X(market_fee_invalid, 204, "fees must be at most 1000 basis points")                                         \
  X(market_band_invalid, 205, "price band must be at most 9000 basis points")                                   \
  X(market_halted, 210, "market is halted")                                                                     \
  X(market_closed, 211, "market is closed")                                                                     \
  X(price_not_on_tick, 212, "price must be a positive multiple of the tick size")                               \
  X(qty_not_on_lot, 213, "quantity must be a positive multiple of the lot step")                                \
  X(qty_below_minimum, 214, "quantity is below the market's minimum")                                          \
  X(qty_above_maximum, 215, "quantity is above the market's maximum")                                          \
  X(notional_below_minimum, 216, "order value is below the market's minimum notional")                         \
  X(price_out_of_band, 217, "price is outside the band around the reference price")                            \
  X(amount_overflow, 218, "order value is too large")                                                          \
  X(market_not_found, 219, "market not found")                                                                  \
  X(market_fee_accounts_invalid, 220, "fee accounts must be fee_income accounts of the market's base and quote") \
  X(market_not_ready, 221, "a market can open only once its rules and fee accounts are set")                    \
  X(market_status_invalid, 222, "status must be trading, halted or closed, and a closed market stays closed")   \
  X(fee_tiers_invalid, 223, "fee tiers: index below count, at most 16 and one more at a time, first threshold 0, thresholds increasing") \
  X(order_type_invalid, 224, "this order type does not allow this time in force, stop price or iceberg")        \
  X(trading_account_not_found, 225, "the actor has no customer account in this asset to trade from or into")    \
  X(no_reference_price, 226, "market orders need a price band and a reference price")                           \
  X(stop_price_invalid, 227, "stop price must be on the tick and must not trigger at once")                     \
  X(order_expiry_invalid, 228, "good-till-date expiry must be after the block time")                            \
  X(iceberg_invalid, 229, "iceberg visible quantity must be on the lot and below the order quantity")           \
  X(order_would_take, 230, "post-only order would trade on arrival")                                            \
  X(order_not_found, 231, "no open order of yours with this id in this market")                                 \
  X(amend_qty_invalid, 232, "new quantity must be on the lot, above what has executed and below the current quantity") \
  X(order_limit_reached, 233, "the market cannot take more open orders")                                        \
  X(order_field_invalid, 234, "order side, type, time in force or self-trade mode is out of range")             \
  X(market_limit_reached, 235, "no more markets can be created")                                               \
  X(client_order_id_invalid, 236, "a client order id is 1-36 of A-Z a-z 0-9 _ -")                              \
  X(client_order_id_open, 237, "an open order of yours already has this client order id")                      \
  X(money_wallet_class_invalid, 400, "wallet class: KYC level above 3, a limit below 0, or per-payment above daily or daily above annual") \
  X(money_wallet_class_not_found, 401, "wallet class not found")                                                 \
  X(money_wallet_invalid, 402, "wallet: unknown kind, a merchant, agency or contractor without a category (MCC 1-9999), or a category on another kind") \
  X(money_account_invalid, 403, "the ledger account must exist, hold the digital tenge, be of the kind the role needs and belong to the owner") \
  X(money_account_in_use, 404, "this ledger account already backs a wallet or a program's escrow")               \
  X(money_link_invalid, 405, "a waterfall link must be a digital tenge account other than the wallet's own")     \
  X(money_wallet_not_found, 406, "wallet not found")                                                             \
  X(money_not_wallet_owner, 407, "the actor does not own the wallet money would leave")                          \
  X(money_central_bank_exists, 408, "the central bank's wallet is already open")                                 \
  X(money_wallet_kind_invalid, 409, "this operation does not take a wallet of this kind")                        \
  X(money_insufficient_funds, 410, "the lots that may pay this, the free balance and the linked account do not cover the amount") \
  X(money_payment_limit, 411, "amount is above the per-payment limit of the wallet's class")                     \
  X(money_daily_limit, 412, "the daily payment limit of the wallet's class would be passed")                     \
  X(money_annual_limit, 413, "the annual payment limit of the wallet's class would be passed")                   \
  X(money_balance_cap, 414, "the recipient's balance cap would be passed and it has no waterfall link")          \
  X(money_lot_limit, 415, "the wallet already holds lots of as many programs as it may")                         \
  X(money_program_invalid, 420, "program: code (1-24 of A-Z, 0-9, '-'), times, limits, share cap, lists, kinds or release rule out of range") \
  X(money_program_not_found, 421, "program not found")                                                           \
  X(money_program_issuer_mismatch, 422, "a program's new version must come from the issuer of its earlier versions") \
  X(money_program_status_invalid, 423, "status: pause an active program, resume a paused one; a revoked or expired program stays so") \
  X(money_tranches_invalid, 424, "tranches: 1-8 positive amounts summing to the grant, for milestone programs only") \
  X(money_release_not_found, 425, "no pending release with this id")                                             \
  X(money_release_state_invalid, 426, "this step does not fit the release's rule or state (milestone, delayed, disputed)") \
  X(money_tranche_out_of_order, 427, "an earlier tranche of this grant is still pending")                        \
  X(money_exchange_link_invalid, 428, "exchange link: the venue's wallet must be a merchant of category 6051 and its tenge account a KZT custody or issuance account") \
  X(money_exchange_account_invalid, 429, "exchange link: the other side must be the venue's wallet and the exchange account the customer's own KZT account") \
  X(program_paused, 440, "program is paused")                                                                    \
  X(program_revoked, 441, "program is revoked")                                                                  \
  X(program_not_yet_valid, 442, "program money is not spendable before the program's valid-from time")           \
  X(program_expired, 443, "program has expired")                                                                 \
  X(program_class_not_eligible, 444, "the holder's wallet class is not eligible for this program")               \
  X(program_merchant_denied, 445, "the recipient is on the program's deny list")                                 \
  X(program_merchant_not_listed, 446, "the recipient is not on the program's allow list")                        \
  X(program_category_not_allowed, 447, "merchant category not allowed by the program")                           \
  X(program_region_not_allowed, 448, "region not allowed by the program")                                        \
  X(program_p2p_not_allowed, 449, "the program does not allow payments to individuals")                          \
  X(program_cash_out_not_allowed, 450, "the program does not allow cash-out to a bank")                          \
  X(program_recipient_not_eligible, 451, "the recipient may not hold this program's money (class not eligible or too many lots)") \
  X(program_payment_limit, 452, "the program's per-payment limit is reached")                                    \
  X(program_period_limit, 453, "the program's per-period limit is reached")                                      \
  X(program_category_share_cap, 454, "the program's cap on the share of one category is reached")                \
  X(client_id_invalid, 600, "client id must not be 0")                                                         \
  X(client_facts_invalid, 601, "client class, KYC tier (0-3) or country code (two letters A-Z) is invalid")   \
  X(client_exists, 602, "a client with this id is already registered")                                         \
  X(client_not_found, 603, "no client with this id is registered")                                             \
  X(client_status_invalid, 604, "client status or reason is unknown, or the reason does not fit the status")   \
  X(client_status_unchanged, 605, "the client already has this status")                                        \
  X(client_pending, 606, "the client's checks are not complete: nothing can move out yet")                     \
  X(client_frozen, 607, "the client is frozen: nothing can move out of its accounts")                          \
  X(client_offboarded, 608, "the client is offboarded")                                                        \
  X(client_not_registered, 609, "the venue requires a registered, active client for this")                     \
  X(conversion_rate_invalid, 610, "a conversion rate must be above 0 tiyn")                                    \
  X(conversion_rate_missing, 611, "no conversion rate for this asset (or the dollar): the limit cannot be valued") \
  X(limits_invalid, 612, "limit tier (0-3), kind, amount (0 or more; daily at most monthly) or cap residence is invalid") \
  X(retail_purchase_limit, 613, "AIFC retail cap: without the knowledge test, at most the cap in purchases per month") \
  X(tier_purchase_limit, 614, "the purchase limit of the client's KYC tier would be passed")                  \
  X(tier_deposit_limit, 615, "the deposit limit of the client's KYC tier would be passed")                    \
  X(tier_withdrawal_limit, 616, "the withdrawal limit of the client's KYC tier would be passed")               \
  X(margin_not_offered, 617, "this venue offers no margin or lending (AIFC: for professional clients only)")   \
  X(travel_rule_record_invalid, 618, "travel-rule record has unknown fields, counterparty kind or a negative value") \
  X(travel_rule_originator_name_missing, 619, "travel rule: the originator's name is missing")                \
  X(travel_rule_originator_account_missing, 620, "travel rule: the originator's account or wallet address is missing") \
  X(travel_rule_originator_identifier_missing, 621, "travel rule: at USD 1,000 or more the originator's address, national ID, customer ID, or date and place of birth is required") \
  X(travel_rule_beneficiary_name_missing, 622, "travel rule: the beneficiary's name is missing")              \
  X(travel_rule_beneficiary_account_missing, 623, "travel rule: the beneficiary's account or wallet address is missing") \
  X(travel_rule_wallet_declaration_missing, 624, "travel rule: a self-hosted wallet needs the client's ownership declaration")

enum class Result : uint32_t {
#define QZ_RESULT_ENUM(name, number, message) name = number,
  QZ_RESULT_CODES(QZ_RESULT_ENUM)
#undef QZ_RESULT_ENUM
};

// "insufficient_funds"; "unknown" for a number that is not a code.
const char* result_name(Result result);
// The human message, e.g. "insufficient available balance".
const char* result_message(Result result);
// True when `number` is one of the listed codes.
bool result_is_known(uint32_t number);

}  // namespace qz
