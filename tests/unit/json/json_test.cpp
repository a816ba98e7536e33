// json/: string escaping (RFC 8259 section 7, and bytes that are not UTF-8) and commas in
// nested objects and arrays.
#include <doctest/doctest.h>

#include <string>

#include "json/json.hpp"

using namespace sipdns;

TEST_CASE("json::quote escapes what RFC 8259 requires and keeps UTF-8") {
  CHECK(json::quote("") == "\"\"");
  CHECK(json::quote("plain text") == "\"plain text\"");
  CHECK(json::quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(json::quote("\n\r\t\b\f") == "\"\\n\\r\\t\\b\\f\"");
  CHECK(json::quote(std::string("\x01\x1f\x00", 3)) == "\"\\u0001\\u001f\\u0000\"");
  CHECK(json::quote("/") == "\"/\"");                         // allowed as is
  CHECK(json::quote("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x93\x9E") ==
        "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x93\x9E\"");    // 2-, 3- and 4-byte sequences
}

TEST_CASE("json::quote replaces bytes that are not UTF-8 with U+FFFD") {
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(json::quote("\xFF") == "\"" + fffd + "\"");
  CHECK(json::quote("a\xC3") == "\"a" + fffd + "\"");             // truncated sequence
  CHECK(json::quote("\xC0\xAF") == "\"" + fffd + fffd + "\"");    // overlong '/'
  CHECK(json::quote("\xED\xA0\x80") == "\"" + fffd + fffd + fffd + "\"");  // a surrogate
  CHECK(json::quote("\xF4\x90\x80\x80") == "\"" + fffd + fffd + fffd + fffd + "\"");  // > U+10FFFF
}

TEST_CASE("json::writer: commas and nesting") {
  json::writer w;
  w.begin_object()
      .field("a", int64_t(-1))
      .field("b", uint64_t(18446744073709551615ull))
      .key("list").begin_array().value("x").begin_object().end_object().begin_array()
      .end_array().null().value(true).end_array()
      .key("o").begin_object().field("k\"", "v\n").field("f", false).end_object()
      .end_object();
  CHECK(w.str() ==
        "{\"a\":-1,\"b\":18446744073709551615,\"list\":[\"x\",{},[],null,true],"
        "\"o\":{\"k\\\"\":\"v\\n\",\"f\":false}}");
  json::writer empty;
  empty.begin_array().end_array();
  CHECK(empty.str() == "[]");
}
