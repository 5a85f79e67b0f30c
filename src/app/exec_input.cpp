#include "app/exec_input.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <utility>

#include "base/checked.h"

namespace qz::app {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

constexpr std::array<std::string_view, 3> kEnvelopeFields = {"actor", "role", "request_id"};

struct KindSpec {
  std::string_view name;
  CommandKind kind;
  std::vector<std::string_view> fields;  // besides cmd and the envelope fields
};

const std::vector<KindSpec>& kind_specs() {
  static const std::vector<KindSpec> specs = {
      {"create_asset", CommandKind::create_asset, {"code", "scale"}},
      {"open_account", CommandKind::open_account, {"owner", "asset", "kind"}},
      {"transfer", CommandKind::transfer, {"debit", "credit", "amount", "reference"}},
      {"hold", CommandKind::hold, {"account", "credit", "amount", "timeout_ms", "reference"}},
      {"post", CommandKind::post_hold, {"hold", "credit", "amount"}},
      {"post_hold", CommandKind::post_hold, {"hold", "credit", "amount"}},
      {"void", CommandKind::void_hold, {"hold", "amount"}},
      {"void_hold", CommandKind::void_hold, {"hold", "amount"}},
  };
  return specs;
}

const char* type_name(element_type type) {
  switch (type) {
    case element_type::ARRAY: return "an array";
    case element_type::OBJECT: return "an object";
    case element_type::INT64:
    case element_type::UINT64: return "an integer";
    case element_type::DOUBLE: return "a fractional number";
    case element_type::STRING: return "a string";
    case element_type::BOOL: return "a boolean";
    case element_type::NULL_VALUE: return "null";
  }
  return "an unknown value";
}

std::string in_quotes(std::string_view text) {
  std::string out = "\"";
  out.append(text);
  out += '"';
  return out;
}

// The fields of one JSON object, with the checks shared by every command: no field repeated, no unknown field,
// each typed read naming the field when it fails.
class Fields {
 public:
  Fields(uint64_t line_number, std::string where) : line_number_(line_number), where_(std::move(where)) {}

  Status load(element value) {
    simdjson::dom::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS) {
      return fail_here(std::string("expected a JSON object, got ") + type_name(value.type()));
    }
    for (simdjson::dom::key_value_pair pair : object) {
      for (const auto& [name, unused] : fields_) {
        if (name == pair.key) return fail(pair.key, "appears more than once");
      }
      fields_.emplace_back(pair.key, pair.value);
    }
    return Status::ok();
  }

  // Every field must be `cmd`, an envelope field or one of `allowed`.
  Status check_known(std::string_view command, const std::vector<std::string_view>& allowed,
                     bool envelope_allowed) const {
    for (const auto& [name, unused] : fields_) {
      if (name == "cmd") continue;
      if (envelope_allowed &&
          std::find(kEnvelopeFields.begin(), kEnvelopeFields.end(), name) != kEnvelopeFields.end()) {
        continue;
      }
      if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
      std::string list;
      for (std::string_view field : allowed) list += (list.empty() ? "" : ", ") + std::string(field);
      if (envelope_allowed) {
        for (std::string_view field : kEnvelopeFields) list += ", " + std::string(field);
      }
      return fail(name, "is not a field of " + std::string(command) + " (its fields: " + list + ")");
    }
    return Status::ok();
  }

  bool has(std::string_view name) const { return find(name) != nullptr; }

  Status string(std::string_view name, bool required, std::string* out) {
    const element* value = find(name);
    if (value == nullptr) return required ? missing(name) : Status::ok();
    std::string_view text;
    if (value->get_string().get(text) != simdjson::SUCCESS) {
      return fail(name, std::string("must be a string, got ") + type_name(value->type()));
    }
    out->assign(text);
    return Status::ok();
  }

  Status u64(std::string_view name, bool required, uint64_t* out) {
    const element* value = find(name);
    if (value == nullptr) return required ? missing(name) : Status::ok();
    const element_type type = value->type();
    if (type == element_type::UINT64) {
      if (value->get_uint64().get(*out) != simdjson::SUCCESS) return fail(name, "is not a valid integer");
      return Status::ok();
    }
    if (type == element_type::INT64) {
      int64_t signed_value = 0;
      if (value->get_int64().get(signed_value) != simdjson::SUCCESS) return fail(name, "is not a valid integer");
      if (signed_value < 0) return fail(name, "must not be negative, got " + std::to_string(signed_value));
      *out = static_cast<uint64_t>(signed_value);
      return Status::ok();
    }
    return fail(name, std::string("must be a non-negative integer, got ") + type_name(type));
  }

  Status amount(std::string_view name, bool required, bool* present, std::string* out) {
    const element* value = find(name);
    *present = value != nullptr;
    if (value == nullptr) return required ? missing(name) : Status::ok();
    std::string_view text;
    if (value->get_string().get(text) != simdjson::SUCCESS) {
      return fail(name, std::string("must be a decimal string such as \"12.50\" (JSON numbers are not exact), got ") +
                            type_name(value->type()));
    }
    out->assign(text);
    return Status::ok();
  }

  const element* find(std::string_view name) const {
    for (const auto& [field, value] : fields_) {
      if (field == name) return &value;
    }
    return nullptr;
  }

  Status fail(std::string_view field, const std::string& message) const {
    const std::string path = where_.empty() ? std::string(field) : where_ + "." + std::string(field);
    return Status::error("line " + std::to_string(line_number_) + ": " + in_quotes(path) + ": " + message);
  }
  Status fail_here(const std::string& message) const {
    return Status::error("line " + std::to_string(line_number_) + ": " +
                         (where_.empty() ? "" : in_quotes(where_) + ": ") + message);
  }
  Status missing(std::string_view field) const { return fail(field, "is required but missing"); }

 private:
  uint64_t line_number_;
  std::string where_;
  std::vector<std::pair<std::string_view, element>> fields_;
};

// Reads actor, role and request_id into `command` (which already holds the defaults).
Status read_envelope(Fields* fields, bool request_id_allowed, CommandText* command) {
  QZ_TRY(fields->u64("actor", false, &command->actor));
  std::string role;
  if (fields->has("role")) {
    QZ_TRY(fields->string("role", true, &role));
    if (!role_from_name(role, &command->role)) {
      return fields->fail("role",
                          "unknown role " + in_quotes(role) +
                              " (roles: operator, customer, merchant, compliance, regulator, central_bank, bank)");
    }
  }
  if (request_id_allowed) QZ_TRY(fields->u64("request_id", false, &command->request_id));
  return Status::ok();
}

// Parses one command object. `defaults` carries actor and role inherited from an enclosing linked group.
Status parse_command(element value, uint64_t line_number, const std::string& where, const CommandText& defaults,
                     InputLine* line);

Status parse_linked(Fields* fields, uint64_t line_number, const CommandText& defaults, InputLine* line) {
  if (fields->has("request_id")) {
    return fields->fail("request_id", "belongs on the members of a linked group, not on the group");
  }
  QZ_TRY(fields->check_known("linked", {"commands", "actor", "role"}, false));
  CommandText group_defaults = defaults;
  QZ_TRY(read_envelope(fields, false, &group_defaults));
  const element* members = fields->find("commands");
  if (members == nullptr) return fields->missing("commands");
  simdjson::dom::array array;
  if (members->get_array().get(array) != simdjson::SUCCESS) {
    return fields->fail("commands",
                        std::string("must be an array of command objects, got ") + type_name(members->type()));
  }
  if (array.size() == 0) return fields->fail("commands", "must hold at least one command");
  if (array.size() > kMaxLineCommands) {
    return fields->fail("commands", "holds " + std::to_string(array.size()) +
                                        " commands; a linked group may hold at most " +
                                        std::to_string(kMaxLineCommands) + " (it must fit in one block)");
  }
  line->linked = true;
  size_t index = 0;
  for (element member : array) {
    QZ_TRY(parse_command(member, line_number, "commands[" + std::to_string(index) + "]", group_defaults, line));
    index++;
  }
  return Status::ok();
}

Status parse_command(element value, uint64_t line_number, const std::string& where, const CommandText& defaults,
                     InputLine* line) {
  Fields fields(line_number, where);
  QZ_TRY(fields.load(value));
  std::string name;
  QZ_TRY(fields.string("cmd", true, &name));
  if (name == "linked") {
    if (!where.empty()) return fields.fail("cmd", "a linked group cannot hold another linked group");
    return parse_linked(&fields, line_number, defaults, line);
  }
  const KindSpec* spec = nullptr;
  for (const KindSpec& candidate : kind_specs()) {
    if (candidate.name == name) spec = &candidate;
  }
  if (spec == nullptr) {
    return fields.fail("cmd", "unknown command " + in_quotes(name) +
                                  " (commands: create_asset, open_account, transfer, hold, post, void, linked)");
  }
  QZ_TRY(fields.check_known(spec->name, spec->fields, true));

  CommandText command = defaults;
  command.kind = spec->kind;
  command.where = where;
  command.request_id = 0;
  QZ_TRY(read_envelope(&fields, true, &command));

  switch (spec->kind) {
    case CommandKind::create_asset: {
      QZ_TRY(fields.string("code", true, &command.code));
      if (command.code.size() > kAssetCodeSize) {
        return fields.fail("code", "is " + std::to_string(command.code.size()) + " characters; at most " +
                                       std::to_string(kAssetCodeSize) + " fit in a command");
      }
      if (command.code.find('\0') != std::string::npos) return fields.fail("code", "must not contain a NUL character");
      uint64_t scale = 0;
      QZ_TRY(fields.u64("scale", true, &scale));
      if (scale > 255) {
        return fields.fail("scale", "must fit in one byte (the ledger accepts 0-18), got " + std::to_string(scale));
      }
      command.scale = static_cast<uint8_t>(scale);
      break;
    }
    case CommandKind::open_account: {
      QZ_TRY(fields.u64("owner", true, &command.owner));
      QZ_TRY(fields.string("asset", true, &command.asset));
      std::string kind;
      QZ_TRY(fields.string("kind", true, &kind));
      if (!account_kind_from_name(kind, &command.account_kind)) {
        return fields.fail("kind", "unknown account kind " + in_quotes(kind) +
                                       " (kinds: customer, custody, fee_income, issuance, escrow)");
      }
      break;
    }
    case CommandKind::transfer:
      QZ_TRY(fields.u64("debit", true, &command.debit));
      QZ_TRY(fields.u64("credit", true, &command.credit));
      QZ_TRY(fields.amount("amount", true, &command.has_amount, &command.amount));
      QZ_TRY(fields.u64("reference", false, &command.reference));
      break;
    case CommandKind::hold: {
      QZ_TRY(fields.u64("account", true, &command.account));
      QZ_TRY(fields.u64("credit", false, &command.credit));
      QZ_TRY(fields.amount("amount", true, &command.has_amount, &command.amount));
      uint64_t timeout_ms = 0;
      QZ_TRY(fields.u64("timeout_ms", false, &timeout_ms));
      if (timeout_ms > UINT64_MAX / 1'000'000u) {
        return fields.fail("timeout_ms",
                           "is too large: " + std::to_string(timeout_ms) + " ms does not fit in nanoseconds");
      }
      command.timeout_ns = timeout_ms * 1'000'000u;
      QZ_TRY(fields.u64("reference", false, &command.reference));
      break;
    }
    case CommandKind::post_hold:
      QZ_TRY(fields.u64("hold", true, &command.hold));
      QZ_TRY(fields.u64("credit", false, &command.credit));
      QZ_TRY(fields.amount("amount", false, &command.has_amount, &command.amount));
      break;
    case CommandKind::void_hold:
      QZ_TRY(fields.u64("hold", true, &command.hold));
      QZ_TRY(fields.amount("amount", false, &command.has_amount, &command.amount));
      break;
  }
  line->commands.push_back(std::move(command));
  return Status::ok();
}

}  // namespace

bool is_blank_line(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

bool account_kind_from_name(std::string_view name, AccountKind* out) {
  for (uint8_t kind = 1; kind <= kMaxAccountKind; kind++) {
    if (name == account_kind_name(static_cast<AccountKind>(kind))) {
      *out = static_cast<AccountKind>(kind);
      return true;
    }
  }
  return false;
}

bool role_from_name(std::string_view name, Role* out) {
  for (uint8_t role = 1; role <= kMaxRole; role++) {
    if (name == role_name(static_cast<Role>(role))) {
      *out = static_cast<Role>(role);
      return true;
    }
  }
  return false;
}

Status parse_input_line(std::string_view text, uint64_t line_number, InputLine* out) {
  *out = InputLine{};
  out->line_number = line_number;
  // One parser per thread, reused across lines: it keeps its buffers.
  thread_local simdjson::dom::parser parser;
  element document;
  const simdjson::error_code error = parser.parse(text.data(), text.size(), true).get(document);
  if (error != simdjson::SUCCESS) {
    return Status::error("line " + std::to_string(line_number) + ": malformed JSON: " + simdjson::error_message(error));
  }
  return parse_command(document, line_number, "", CommandText{}, out);
}

Status parse_input(std::string_view text, std::vector<InputLine>* out) {
  out->clear();
  uint64_t line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    line_number++;
    if (!is_blank_line(line)) {
      InputLine parsed;
      QZ_TRY(parse_input_line(line, line_number, &parsed));
      out->push_back(std::move(parsed));
    }
    start = end + 1;
  }
  return Status::ok();
}

}  // namespace qz::app
