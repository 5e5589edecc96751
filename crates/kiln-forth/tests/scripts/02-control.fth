\ Control structures, loops, recursion, CASE, and the superinstructions
\ the peephole forms for them (each pattern checked against its meaning).
: ABS2 ( n -- u ) DUP 0< IF NEGATE THEN ; -5 ABS2 5 ABS2 \ stack: 5 5
: SGN ( n -- -1|0|1 ) DUP 0< IF DROP -1 ELSE 0> IF 1 ELSE 0 THEN THEN ; -9 SGN 0 SGN 9 SGN \ stack: -1 0 1
: SUMTO ( n -- sum ) 0 SWAP 1+ 0 ?DO I + LOOP ; 100 SUMTO \ stack: 5050
: CNTDN ( n -- ) BEGIN DUP . 1- DUP 0= UNTIL DROP ; 3 CNTDN \ expect: 3 2 1
: W ( n -- ) BEGIN DUP WHILE DUP . 1- REPEAT DROP ; 3 W \ expect: 3 2 1
: STEPS 10 0 DO I . 3 +LOOP ; STEPS \ expect: 0 3 6 9
: DOWN 0 10 DO I . -3 +LOOP ; DOWN \ expect: 10 7 4 1
: NEST 3 1 DO 3 1 DO I J * . LOOP LOOP ; NEST \ expect: 1 2 2 4
: FIND5 10 0 DO I 5 = IF I UNLOOP EXIT THEN LOOP -1 ; FIND5 \ stack: 5
: LV 10 0 DO I 4 = IF LEAVE THEN I . LOOP ; LV \ expect: 0 1 2 3
: QD 0 0 ?DO 99 . LOOP ; QD \ expect:
: FIB ( n -- f ) DUP 2 < IF DROP 1 ELSE DUP 1- RECURSE SWAP 2 - RECURSE + THEN ; 20 FIB \ stack: 10946
: FACT ( n -- n! ) DUP 1 > IF DUP 1- RECURSE * THEN ; 20 FACT \ stack: 2432902008176640000
: C ( n -- s ) CASE 1 OF 10 ENDOF 2 OF 20 ENDOF DUP 100 * SWAP ENDCASE ; 1 C 2 C 3 C \ stack: 10 20 300
: AG 0 BEGIN 1+ DUP 5 = IF EXIT THEN AGAIN ; AG \ stack: 5
\ Fused compare-and-branch ops: a value at, below and above each literal.
: LTB ( n -- f ) 3 < IF 1 ELSE 0 THEN ; 2 LTB 3 LTB 4 LTB \ stack: 1 0 0
: GTB ( n -- f ) 3 > IF 1 ELSE 0 THEN ; 2 GTB 3 GTB 4 GTB \ stack: 0 0 1
: EQB ( n -- f ) 3 = IF 1 ELSE 0 THEN ; 2 EQB 3 EQB \ stack: 0 1
: DLT ( n -- n f ) DUP 3 < IF 1 ELSE 0 THEN ; 2 DLT 7 DLT \ stack: 2 1 7 0
: NEB ( a b -- f ) <> IF 1 ELSE 0 THEN ; 1 1 NEB 1 2 NEB \ stack: 0 1
: ULB ( a b -- f ) U< IF 1 ELSE 0 THEN ; -1 1 ULB 1 -1 ULB \ stack: 0 1
: ZEB ( n -- f ) 0= IF 1 ELSE 0 THEN ; 0 ZEB 7 ZEB \ stack: 1 0
: DZB ( n -- n ) DUP IF 1+ THEN ; 0 DZB 5 DZB \ stack: 0 6
: OVA ( a b -- a a+b ) OVER + ; 2 3 OVA \ stack: 2 5
: SOV ( a b -- b a b ) SWAP OVER ; 1 2 SOV \ stack: 2 1 2
: RFA ( a b -- a+b ) >R R> + ; 4 5 RFA \ stack: 9
CREATE BUF 16 ALLOT : FILLI BUF 8 + BUF DO 7 I C! LOOP ; FILLI BUF C@ BUF 7 + C@ \ stack: 7 7
: DPL BUF 8 + BUF DO I C@ . 2 +LOOP ; DPL \ expect: 7 7 7 7
: DUPPL 1 BUF 8 + BUF DO I C@ + DUP +LOOP ; DUPPL \ stack: 8
VARIABLE V 5 V ! : VF V @ 2 + V ! V @ ; VF \ stack: 7
: PSL 3 V +! V @ ; PSL \ stack: 10
: ADDS 1 + 2 + -3 + ; 10 ADDS \ stack: 10
VARIABLE VA 6 VA ! VARIABLE VB 7 VB ! : OF2 ( a b -- a b x y ) OVER @ OVER @ ; VA VB OF2 2SWAP 2DROP \ stack: 6 7
: OFM ( a b -- a b n ) OVER @ OVER @ * ; VA VB OFM NIP NIP \ stack: 42
: AL2 ( x y -- x' y' ) SWAP 8 + SWAP 16 + ; 1 2 AL2 \ stack: 9 18
CREATE ARR 1 , 5 , 3 , 2 , 4 ,
: BSORT 5 1 DO ARR 5 I - CELLS OVER + SWAP DO I 2@ > IF I 2@ SWAP I 2! THEN 8 +LOOP LOOP ;
BSORT ARR @ ARR CELL+ @ ARR 2 CELLS + @ ARR 3 CELLS + @ ARR 4 CELLS + @ \ stack: 5 4 3 2 1
: DDROP ( n -- n' ) DUP 0< IF DROP 0 THEN ; -3 DDROP 3 DDROP \ stack: 0 3
: DAL ( n -- n n' ) DUP 1+ ; 4 DAL \ stack: 4 5
: SAL ( a b -- b a' ) SWAP 1+ ; 1 2 SAL \ stack: 2 2
: LUN ( x -- 7 x ) 7 SWAP ; 9 LUN \ stack: 7 9
: ICZ BUF 3 + BUF DO I C@ IF 1 ELSE 0 THEN LOOP ; 0 BUF 1+ C! ICZ \ stack: 1 0 1
: RA2 ( a b -- a b+10 ) >R 10 R> + >R R> ; 3 4 RA2 \ stack: 3 14
: ALL 0 5 0 DO 3 + LOOP ; ALL \ stack: 15
: SOP ( a b -- a+1 b ) SWAP 1+ SWAP ; 1 2 SOP \ stack: 2 2
