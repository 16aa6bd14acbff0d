// Located error messages for a file being validated. Validation reports into
// a Diagnostics and goes on, so that one run shows every mistake of a
// manifest, not just the first.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace quarry {

// 1-based line and column in the file.
struct Position {
  int line = 1;
  int column = 1;
};

class Diagnostics {
 public:
  explicit Diagnostics(std::string path) : path_(std::move(path)) {}

  // Records an error at `at`. Control characters in `message` (a value
  // quoted from the file may hold any) are escaped so that every diagnostic
  // stays on one line.
  void error(Position at, std::string message);

  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }

  // Every diagnostic as "PATH:LINE:COL: message", sorted by position (ties
  // in the order reported), joined by '\n', no trailing newline.
  std::string render() const;

  // render() as an Error of kind User. Precondition: !empty().
  Error to_error() const { return Error{render(), ErrorKind::User}; }

 private:
  struct Entry {
    Position at;
    std::string message;
  };
  std::string path_;
  std::vector<Entry> entries_;
};

}  // namespace quarry
