package cn.ac.ihep.heps.testsupport.guacamole.web.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TunnelParametersTest {

    @Test
    void theQueryStringIsTheFrontEndsConnectString() {
        TunnelParameters parameters = TunnelParameters.connection("heps-vm-resolver", "5a0c7f0e-1d2b-4c3d-8e9f-000000000001")
                .withSize(2560, 1440).withTimezone("Asia/Shanghai");
        assertEquals("token=AB%2BCD%2F%3D%3D&GUAC_DATA_SOURCE=heps-vm-resolver&GUAC_ID=5a0c7f0e-1d2b-4c3d-8e9f-000000000001"
                        + "&GUAC_TYPE=c&GUAC_WIDTH=2560&GUAC_HEIGHT=1440&GUAC_DPI=96&GUAC_TIMEZONE=Asia%2FShanghai"
                        + "&GUAC_IMAGE=image%2Fpng&GUAC_IMAGE=image%2Fjpeg",
                parameters.query("AB+CD/=="));
    }
}
