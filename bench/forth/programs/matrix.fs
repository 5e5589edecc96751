\ matrix.fs — 200x200 integer matrix product, written for Kiln (Apache-2.0).
\ The work of the Stanford matrix benchmark: A and B filled from the same
\ pseudo-random sequence (seed 74755, entries (x mod 120) - 60), R = A·B;
\ `result` is the sum of R's entries (4424480).
decimal
200 constant n
n cells constant row
create a n n * cells allot
create b n n * cells allot
create r n n * cells allot
variable seed
variable result

: next-random ( -- x )  seed @ 1309 * 13849 + 65535 and  dup seed ! ;
: fill-matrix ( m -- )
   n n * cells over + swap do  next-random 120 mod 60 -  i ! cell +loop ;

: dot ( arow bcol -- sum )         \ row of A times column of B
   0 n 0 do
      >r  over @ over @ * r> +
      >r  swap cell+  swap row +  r>
   loop  nip nip ;

: multiply ( -- )
   r  a n n * cells over + swap do       \ each row of A
      b row over + swap do               \ each column of B
         j i dot  over !  cell+
      cell +loop
   row +loop  drop ;

: checksum ( -- sum )  0  r n n * cells over + swap do i @ + cell +loop ;

: main ( -- )
   74755 seed !  a fill-matrix  b fill-matrix  multiply  checksum result ! ;
