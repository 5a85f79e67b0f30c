// The OpenAPI 3 document of the native /v1 API, served at GET /v1/openapi.json.
#pragma once

#include <string_view>

namespace qz::server {

// The document as JSON text (built once).
std::string_view openapi_document();

}  // namespace qz::server
