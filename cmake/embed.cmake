# Embeds a file into C as a byte array, at build time:
#   cmake -DINPUT=file -DOUTPUT=file.c -DNAME=pc_embed_x -P embed.cmake
# writes `const unsigned char NAME[]` (the bytes and a terminating NUL) and
# `const size_t NAME_size` (the byte count, NUL not counted).  Templates and
# data live in their own files in the repository; this turns them into code.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" digits)
math(EXPR bytes "${digits} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
# 16 bytes a line, so that the generated file stays readable by tools
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){16})" "\\1\n    " body "${body}")
get_filename_component(shown "${INPUT}" NAME)
file(WRITE "${OUTPUT}.tmp"
"/* Generated from ${shown} by cmake/embed.cmake: do not edit. */
#include <stddef.h>

const unsigned char ${NAME}[] = {
    ${body}0x00};
const size_t ${NAME}_size = ${bytes};
")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
