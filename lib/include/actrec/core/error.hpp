#pragma once
// One error hierarchy for the whole library. Messages read "<what failed>: <subject>: <reason>"
// and always name the path, key, line or frame index involved.
#include <stdexcept>
#include <string>

namespace actrec {

/// Process exit codes, one per error class; `actrec --help` documents them.
enum class ExitCode : int {
  ok = 0,
  runtime = 1,  // anything unexpected
  usage = 2,    // bad command line or config
  input = 3,    // a video, image or stream that cannot be read
  model = 4,    // a model file that cannot be loaded or does not fit
  data = 5,     // a dataset manifest or annotation that is wrong
};

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  virtual ExitCode exit_code() const { return ExitCode::runtime; }
};

class ConfigError : public Error {
 public:
  using Error::Error;
  ExitCode exit_code() const override { return ExitCode::usage; }
};

class InputError : public Error {
 public:
  using Error::Error;
  ExitCode exit_code() const override { return ExitCode::input; }
};

class ModelError : public Error {
 public:
  using Error::Error;
  ExitCode exit_code() const override { return ExitCode::model; }
};

class DataError : public Error {
 public:
  using Error::Error;
  ExitCode exit_code() const override { return ExitCode::data; }
};

}  // namespace actrec
