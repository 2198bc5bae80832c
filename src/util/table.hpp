#pragma once
// Plain-text tables with aligned columns, for human output.
#include <string>
#include <vector>

namespace dlenv {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add_row(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // Columns separated by two spaces; the last column is not padded.
  std::string render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace dlenv
