// Result codes, roles: every code has a name and a message, numbers are unique and stay in their ranges.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>

#include "base/result.h"
#include "base/role.h"

namespace qz {
namespace {

struct Code {
  Result result;
  uint32_t number;
  const char* name;
};

const Code kCodes[] = {
#define QZ_TEST_CODE(name, number, message) {Result::name, number, #name},
    QZ_RESULT_CODES(QZ_TEST_CODE)
#undef QZ_TEST_CODE
};

TEST(ResultCodes, NamesMessagesAndNumbers) {
  std::set<uint32_t> numbers;
  std::set<std::string> names;
  std::set<std::string> messages;
  for (const Code& code : kCodes) {
    EXPECT_EQ(static_cast<uint32_t>(code.result), code.number);
    EXPECT_TRUE(numbers.insert(code.number).second) << "number " << code.number << " used twice";
    EXPECT_STREQ(result_name(code.result), code.name);
    EXPECT_TRUE(names.insert(result_name(code.result)).second) << code.name;
    const std::string message = result_message(code.result);
    EXPECT_FALSE(message.empty()) << code.name;
    EXPECT_NE(message, "unknown result code") << code.name;
    EXPECT_TRUE(messages.insert(message).second) << "message of " << code.name << " repeats another";
    EXPECT_TRUE(result_is_known(code.number)) << code.name;
    // Ranges of result.h.
    if (code.number != 0) {
      EXPECT_TRUE((code.number >= 1 && code.number <= 99) || (code.number >= 100 && code.number <= 199) ||
                  (code.number >= 200 && code.number <= 399) || (code.number >= 400 && code.number <= 599) ||
                  (code.number >= 600 && code.number <= 799))
          << code.name << " " << code.number;
    }
  }
  EXPECT_EQ(static_cast<uint32_t>(Result::ok), 0u);
}

TEST(ResultCodes, StableNumbers) {
  // Written into events and journals: a renumbering must fail here.
  EXPECT_EQ(static_cast<uint32_t>(Result::unknown_command_kind), 1u);
  EXPECT_EQ(static_cast<uint32_t>(Result::request_id_reused), 6u);
  EXPECT_EQ(static_cast<uint32_t>(Result::asset_code_invalid), 100u);
  EXPECT_EQ(static_cast<uint32_t>(Result::insufficient_funds), 126u);
  EXPECT_EQ(static_cast<uint32_t>(Result::hold_amount_exceeded), 135u);
}

TEST(ResultCodes, UnknownNumbers) {
  for (uint32_t number : {98u, 99u, 104u, 399u, 1000u, 0xFFFFFFFFu}) {
    EXPECT_FALSE(result_is_known(number)) << number;
    EXPECT_STREQ(result_name(static_cast<Result>(number)), "unknown");
    EXPECT_FALSE(std::string(result_message(static_cast<Result>(number))).empty());
  }
}

TEST(Roles, NamesAreDistinct) {
  std::set<std::string> names;
  for (uint8_t r = 0; r <= kMaxRole; r++) {
    const std::string name = role_name(static_cast<Role>(r));
    EXPECT_NE(name, "unknown") << int{r};
    EXPECT_TRUE(names.insert(name).second) << name;
  }
  EXPECT_STREQ(role_name(Role::operator_), "operator");
  EXPECT_STREQ(role_name(static_cast<Role>(kMaxRole + 1)), "unknown");
}

}  // namespace
}  // namespace qz
