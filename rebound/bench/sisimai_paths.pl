#!/usr/bin/perl
# The peer of `rebound parse --paths-from -` for the parser benchmark and the corpus scorer:
# reads file paths on stdin, one per line, and prints one JSON line per file in the scorer's
# format from Sisimai 4 (Debian: libsisimai-perl). Whole process, start-up included.
use strict;
use warnings;
use JSON::PP;
use Sisimai;

my $json = JSON::PP->new->canonical->utf8;
$| = 0;
while (my $path = <STDIN>) {
    chomp $path;
    $path =~ s/\r\z//;
    next unless length $path;
    my $found = eval { Sisimai->make($path) } || [];
    my @recipients = map {
        {
            address => $_->recipient->address,
            status  => $_->deliverystatus // '',
            replycode => $_->replycode // '',
            reason  => $_->reason // '',
            hard    => ($_->softbounce eq '0' ? JSON::PP::true : JSON::PP::false),
        }
    } @$found;
    print $json->encode({ file => $path, recipients => \@recipients }), "\n";
}
