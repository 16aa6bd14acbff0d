// Writes JSON text directly, laid out byte for byte as nlohmann's dump(2)
// lays out the same document (what put_json writes), for the documents a
// control pass rewrites at fleet scale (a stack's books, its observation):
// no tree of nlohmann values is built per record. The caller gives an
// object's keys in nlohmann's order (sorted by bytes); tests compare the
// text with dump(2)'s.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace quarry {

class JsonText {
 public:
  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
  // The next member's key (inside an object), then its value.
  void key(std::string_view k);
  void value(std::string_view s);
  void value(const char* s) { value(std::string_view(s)); }
  void value(std::int64_t n);
  void value(int n) { value(static_cast<std::int64_t>(n)); }
  void value(bool b);
  void value(double d);
  // The text so far, with put_json's trailing newline when `newline`.
  std::string take(bool newline = true);

 private:
  void before_value();
  void open(char c);
  void close(char c);
  void indent();

  std::string out_;
  int depth_ = 0;
  bool first_ = true;      // no member or element yet in the innermost container
  bool after_key_ = false;
};

// `s` as a JSON string (quoted, escaped as nlohmann escapes it; bytes that
// are not UTF-8 throw nlohmann's type_error, as dump() does).
void append_json_string(std::string& out, std::string_view s);

}  // namespace quarry
