/* <schannel.h> before <winhttp.h> (and <mstcpip.h>): WINHTTP_SECURITY_INFO is declared either
   way round, once. */
#include <schannel.h>
#include <mstcpip.h>
#include <winhttp.h>
#include <schannel.h>

int main(void) {
    WINHTTP_SECURITY_INFO info;
    TCP_INFO_v1 tcp;
    struct tcp_keepalive ka;
    info.ConnectionInfo.dwProtocol = SP_PROT_TLS1_3_CLIENT;
    tcp.State = TCPSTATE_ESTABLISHED;
    ka.onoff = 1;
    return (int)(info.ConnectionInfo.dwProtocol + (DWORD)tcp.State + ka.onoff) == 0;
}
