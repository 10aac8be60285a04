# cmake -D BINARY=... -D LABEL=... -D TIMEOUT=... -D CACHE_HOME=... -D OUT=... -P batch_tests.cmake
#
# Adds a GoogleTest binary's cases to CTest a few at a time: every process that links LibTorch
# spends most of a second starting (its operators register themselves), so one process a case
# spent a third of the suite's time starting; batches of a suite's cases keep that down while
# ctest -j still has enough pieces to keep every core busy. Run after each build of the binary.
set(batch_size 8)

execute_process(COMMAND "${BINARY}" --gtest_list_tests OUTPUT_VARIABLE listing
                RESULT_VARIABLE result TIMEOUT 60)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${BINARY} --gtest_list_tests failed (${result}): ${listing}")
endif()

set(script "")
set(suite "")
set(cases "")
set(part 0)

# Writes the cases gathered so far as one test named SUITE:PART.
macro(add_batch)
  list(LENGTH cases count)
  if(count GREATER 0)
    math(EXPR part "${part} + 1")
    list(JOIN cases ":" filter)
    # A case's limit, twice for a batch: long enough for several cases, short enough that a
    # hang fails within minutes.
    if(count GREATER 1)
      math(EXPR seconds "${TIMEOUT} * 2")
    else()
      set(seconds ${TIMEOUT})
    endif()
    string(APPEND script
      "add_test([==[${suite}:${part}]==] [==[${BINARY}]==] [==[--gtest_filter=${filter}]==])\n"
      "set_tests_properties([==[${suite}:${part}]==] PROPERTIES LABELS ${LABEL} TIMEOUT ${seconds} "
      "ENVIRONMENT [==[XDG_CACHE_HOME=${CACHE_HOME};OMP_WAIT_POLICY=PASSIVE]==])\n")
    set(cases "")
  endif()
endmacro()

string(REPLACE ";" "," listing "${listing}")  # a parameter's printed value may hold one
string(REPLACE "\n" ";" lines "${listing}")
foreach(line IN LISTS lines)
  if(line MATCHES "^  ([^ ]+)")  # a case, perhaps followed by "  # GetParam() = ..."
    list(APPEND cases "${suite}.${CMAKE_MATCH_1}")
    list(LENGTH cases count)
    if(count EQUAL batch_size)
      add_batch()
    endif()
  elseif(line MATCHES "^([^ ]+)\\.")  # a suite: "Name." perhaps followed by "  # TypeParam = ..."
    add_batch()
    set(suite "${CMAKE_MATCH_1}")
    set(part 0)
  endif()
endforeach()
add_batch()

file(WRITE "${OUT}" "${script}")
