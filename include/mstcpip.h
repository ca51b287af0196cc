/*
 * mstcpip.h - the part of Windows' <mstcpip.h> that WinHTTP options use (OpenWinHTTP):
 * struct tcp_keepalive (WINHTTP_OPTION_TCP_KEEPALIVE) and TCP_INFO_v0 / TCP_INFO_v1
 * (WINHTTP_OPTION_CONNECTION_STATS_V0 / _V1), with Windows' layout.
 *
 * BOOLEAN, UCHAR and ULONG64 fields are spelled with their C types so that this header does
 * not declare those names (a program may have its own).
 */
#ifndef OPENWINHTTP_MSTCPIP_H
#define OPENWINHTTP_MSTCPIP_H

#include "openwinhttp/wintypes.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef _MSTCPIP_
/* Times in milliseconds (SIO_KEEPALIVE_VALS; WINHTTP_OPTION_TCP_KEEPALIVE). */
struct tcp_keepalive {
    ULONG onoff;
    ULONG keepalivetime;
    ULONG keepaliveinterval;
};

typedef enum _TCPSTATE {
    TCPSTATE_CLOSED,
    TCPSTATE_LISTEN,
    TCPSTATE_SYN_SENT,
    TCPSTATE_SYN_RCVD,
    TCPSTATE_ESTABLISHED,
    TCPSTATE_FIN_WAIT_1,
    TCPSTATE_FIN_WAIT_2,
    TCPSTATE_CLOSE_WAIT,
    TCPSTATE_CLOSING,
    TCPSTATE_LAST_ACK,
    TCPSTATE_TIME_WAIT,
    TCPSTATE_MAX
} TCPSTATE;

typedef struct _TCP_INFO_v0 {
    TCPSTATE State;
    ULONG Mss;
    unsigned long long ConnectionTimeMs; /* ULONG64 */
    unsigned char TimestampsEnabled;     /* BOOLEAN */
    ULONG RttUs;
    ULONG MinRttUs;
    ULONG BytesInFlight;
    ULONG Cwnd;
    ULONG SndWnd;
    ULONG RcvWnd;
    ULONG RcvBuf;
    unsigned long long BytesOut;
    unsigned long long BytesIn;
    ULONG BytesReordered;
    ULONG BytesRetrans;
    ULONG FastRetrans;
    ULONG DupAcksIn;
    ULONG TimeoutEpisodes;
    unsigned char SynRetrans; /* UCHAR */
} TCP_INFO_v0, *PTCP_INFO_v0;

typedef struct _TCP_INFO_v1 {
    TCPSTATE State;
    ULONG Mss;
    unsigned long long ConnectionTimeMs;
    unsigned char TimestampsEnabled;
    ULONG RttUs;
    ULONG MinRttUs;
    ULONG BytesInFlight;
    ULONG Cwnd;
    ULONG SndWnd;
    ULONG RcvWnd;
    ULONG RcvBuf;
    unsigned long long BytesOut;
    unsigned long long BytesIn;
    ULONG BytesReordered;
    ULONG BytesRetrans;
    ULONG FastRetrans;
    ULONG DupAcksIn;
    ULONG TimeoutEpisodes;
    unsigned char SynRetrans;
    ULONG SndLimTransRwin;
    ULONG SndLimTimeRwin;
    unsigned long long SndLimBytesRwin;
    ULONG SndLimTransCwnd;
    ULONG SndLimTimeCwnd;
    unsigned long long SndLimBytesCwnd;
    ULONG SndLimTransSnd;
    ULONG SndLimTimeSnd;
    unsigned long long SndLimBytesSnd;
} TCP_INFO_v1, *PTCP_INFO_v1;
#endif /* _MSTCPIP_ */

#ifdef __cplusplus
}
#endif

#endif /* OPENWINHTTP_MSTCPIP_H */
