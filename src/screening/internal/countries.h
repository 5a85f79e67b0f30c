// Country names as the lists write them ("Russia", "Russian Federation", "Korea, North", "Iran (Islamic Republic
// of)") mapped to ISO 3166-1 alpha-2 codes, so that a query's --country and a listed person's nationality,
// citizenship, place of birth and addresses can be compared.
#pragma once

#include <string>
#include <string_view>

namespace qz::screening::internal {

// The ISO 3166-1 alpha-2 code (upper case) of a country name or code; "" when not recognised. Case, spaces and
// punctuation do not matter; a two-letter input is taken as a code when it is one.
std::string country_code(std::string_view name_or_code);

}  // namespace qz::screening::internal
