\ Core words: arithmetic, stack, comparison, output (Forth 2012 §6.1).
1 2 + . \ expect: 3
7 2 - 3 * . \ expect: 15
-7 2 / . -7 2 MOD . \ expect: -3 -1
-7 2 /MOD . . \ expect: -3 -1
-7 S>D 2 FM/MOD \ stack: 1 -4
-7 S>D 2 SM/REM \ stack: -1 -3
2 3 4 */ \ stack: 1
9223372036854775807 2 3 */ \ stack: 6148914691236517204
1 2 3 ROT \ stack: 2 3 1
1 2 3 -ROT \ stack: 3 1 2
1 2 OVER \ stack: 1 2 1
1 2 TUCK \ stack: 2 1 2
1 2 NIP \ stack: 2
1 2 3 4 2SWAP \ stack: 3 4 1 2
1 2 3 4 2OVER \ stack: 1 2 3 4 1 2
0 ?DUP 5 ?DUP \ stack: 0 5 5
10 20 30 2 PICK \ stack: 10 20 30 10
10 20 30 2 ROLL \ stack: 20 30 10
1 2 3 DEPTH \ stack: 1 2 3 3
3 4 < 4 3 < 3 3 = -1 0 U< \ stack: -1 0 -1 0
5 0 10 WITHIN 10 0 10 WITHIN \ stack: -1 0
1 63 LSHIFT 63 RSHIFT 1 64 LSHIFT \ stack: 1 0
-1 1 RSHIFT \ stack: 9223372036854775807
-5 ABS 5 NEGATE 3 7 MIN 3 7 MAX \ stack: 5 -5 3 7
-1 -1 UM* \ stack: 1 -2
-3 4 M* \ stack: -12 -1
-1 0 2 UM/MOD \ stack: 1 9223372036854775807
HEX FF DECIMAL . \ expect: 255
16 BASE ! -1 U. DECIMAL \ expect: FFFFFFFFFFFFFFFF
$10 #10 %10 'a' \ stack: 16 10 2 97
-9223372036854775808 . \ expect: -9223372036854775808
123 5 .R CHAR | EMIT \ expect: 123|
-12 5 .R \ expect: -12
1. D. -1. D. \ expect: 1 -1
12345 0 <# # # 46 HOLD #S #> TYPE \ expect: 123.45
-42 DUP ABS 0 <# #S ROT SIGN #> TYPE \ expect: -42
S" abc" TYPE SPACE 3 SPACES ." xyz" \ expect: abc    xyz
CHAR A EMIT BL EMIT \ expect: A
CHAR B \ stack: 66
: SQ ( n -- n ) DUP * ; 12 SQ \ stack: 144
TRUE FALSE BL \ stack: -1 0 32
