\ File-Access (§11): create, write, reposition, read lines, delete.
S" kiln-script-test.txt" W/O CREATE-FILE THROW CONSTANT FD
S" line one" FD WRITE-LINE THROW S" line two" FD WRITE-LINE THROW FD CLOSE-FILE THROW
S" kiln-script-test.txt" R/O OPEN-FILE THROW CONSTANT RD
CREATE LB 80 ALLOT
LB 80 RD READ-LINE THROW DROP LB SWAP TYPE \ expect: line one
RD FILE-POSITION THROW D>S \ stack: 9
LB 80 RD READ-LINE THROW \ stack: 8 -1
LB 80 RD READ-LINE THROW \ stack: 0 0
0 0 RD REPOSITION-FILE THROW LB 4 RD READ-FILE THROW LB SWAP TYPE \ expect: line
RD FILE-SIZE THROW D>S \ stack: 18
RD CLOSE-FILE THROW
S" kiln-script-test.txt" DELETE-FILE \ stack: 0
S" kiln-script-test.txt" R/O OPEN-FILE NIP 0= \ stack: 0
S" no/such/file.fth" INCLUDED \ error: -38
