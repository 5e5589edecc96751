\ Every error is a THROW code with its standard number, caught or reported
\ with a location, and leaves the system usable (Forth 2012 table 9.1).
DROP \ error: -4
1 0 / \ error: -10
1 0 MOD \ error: -10
NO-SUCH-WORD \ error: -13
NO-SUCH-WORD \ error-text: undefined word 'NO-SUCH-WORD'
0 @ \ error: -9
-1 C@ \ error: -9
1 123456789012 ! \ error: -9
: BAD-DIV ( n -- ) 0 / ; 5 BAD-DIV \ error-text: division by zero (-10) in 'BAD-DIV'
: T1 IF ; \ error: -22
: T2 THEN ; \ error: -22
: T3 LOOP ; \ error: -22
: \ error: -16
>R \ error: -14
: RS R> R> R> DROP DROP DROP ; RS \ error: -6
: DEEP RECURSE ; DEEP \ error: -5
: OVERFLOW BEGIN 1 AGAIN ; OVERFLOW \ error: -3
1 ALLOT -100000000 ALLOT \ error: -8
-1 ALLOCATE NIP \ stack: -59
: AB 1 ABORT" boom" ; AB \ error-text: aborted: boom
: CA ['] AB CATCH ; CA \ stack: -2
: C1 ['] DROP CATCH ; C1 \ stack: -4
: T5 99 THROW ; : C5 1 2 ['] T5 CATCH ; C5 \ stack: 1 2 99
: C6 5 ['] DUP CATCH ; C6 \ stack: 5 5 0
S" 1 2 NOPE" EVALUATE \ error: -13
0 THROW 7 \ stack: 7
-1 PICK \ error: -4
12345678901234567890123 DROP \ stack:
1 2 3 2 PICK \ stack: 1 2 3 1
: RUNAWAY BEGIN AGAIN ;
: B1 1 BASE ! 10 . ; B1 \ error: -24
DECIMAL 10 \ stack: 10
