\ Strings, memory, allocation, search order, tools (§6, §14, §16, §17).
CREATE B1 20 ALLOT B1 20 CHAR x FILL B1 3 TYPE \ expect: xxx
S" hello" B1 SWAP MOVE B1 5 TYPE \ expect: hello
S" abc" S" abd" COMPARE S" abc" S" abc" COMPARE S" b" S" a" COMPARE \ stack: -1 0 1
S" hello world" S" wor" SEARCH NIP NIP \ stack: -1
S" hi   " -TRAILING NIP \ stack: 2
S" abcdef" 2 /STRING TYPE \ expect: cdef
S\" a\tb\x41\n" NIP \ stack: 5
: CQ C" xyz" COUNT TYPE ; CQ \ expect: xyz
100 ALLOCATE THROW DUP 77 SWAP ! DUP @ SWAP FREE THROW \ stack: 77
10 ALLOCATE THROW 1000 RESIZE THROW DUP 999 + C@ SWAP FREE \ stack: 0 0
B1 2 ERASE B1 C@ \ stack: 0
PAD 3 BLANK PAD C@ \ stack: 32
WORDLIST CONSTANT WL WL SET-CURRENT : HIDDEN-W 7 ; FORTH-WORDLIST SET-CURRENT
HIDDEN-W \ error: -13
: ALSO-WL GET-ORDER WL SWAP 1+ SET-ORDER ; ALSO-WL HIDDEN-W PREVIOUS \ stack: 7
S" HIDDEN-W" WL SEARCH-WORDLIST NIP \ stack: -1
[DEFINED] DUP [UNDEFINED] DUP \ stack: -1 0
1 [IF] 10 [ELSE] 20 [THEN] \ stack: 10
0 [IF] 10 [ELSE] 20 [THEN] \ stack: 20
1 2 .S 2DROP \ expect: <2> 1 2
3 4 5 3 N>R NR> \ stack: 3 4 5 3
S" DUP" FORTH-WORDLIST SEARCH-WORDLIST DROP ' DUP = \ stack: -1
' DUP NAME>STRING TYPE \ expect: DUP
S" 42" S" n" REPLACES S" x=%n%" B1 20 SUBSTITUTE DROP TYPE \ expect: x=42
S" #LOCALS" ENVIRONMENT? \ stack: 64 -1
S" NOPE" ENVIRONMENT? \ stack: 0
PAD 5 ACCEPT PAD SWAP TYPE \ expect: typed
\ Each script line is interpreted as its own one-line text.
SOURCELINE# \ stack: 1
