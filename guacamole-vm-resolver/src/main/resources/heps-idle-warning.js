/*
 * HEPS desktop resolver: shows, inside the desktop session, the warning the resolver sends
 * before it closes a session that has had no mouse or keyboard input for its idle limit. The
 * warning is a Guacamole "msg" instruction with code 0x4801 (arguments: seconds left, the
 * disconnect time in epoch milliseconds); 0x4802 withdraws it once the user sends input.
 * "Stay connected" sends the pointer's position again, which counts as input.
 */
angular.module('client').directive('hepsIdleWarning', [function hepsIdleWarning() {

    var IDLE_WARNING = 0x4801;
    var IDLE_WARNING_WITHDRAWN = 0x4802;

    return {
        restrict: 'E',
        scope: {
            client: '='
        },
        template:
              '<div class="heps-idle-warning" ng-if="secondsLeft !== null">'
            +   '<p translate="HEPS_VM_RESOLVER.TEXT_IDLE_WARNING" translate-values="{ SECONDS: secondsLeft }"></p>'
            +   '<button type="button" ng-click="stay()" translate="HEPS_VM_RESOLVER.ACTION_STAY_CONNECTED"></button>'
            + '</div>',
        controller: ['$scope', '$interval', function hepsIdleWarningController($scope, $interval) {

            var deadline = null;
            var ticker = null;

            $scope.secondsLeft = null;

            var stopTicking = function stopTicking() {
                if (ticker) {
                    $interval.cancel(ticker);
                    ticker = null;
                }
            };

            var tick = function tick() {
                $scope.secondsLeft = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
            };

            var handleMessage = function handleMessage(code, args) {
                if (code === IDLE_WARNING) {
                    $scope.$evalAsync(function showWarning() {
                        deadline = Date.now() + 1000 * parseInt(args[0], 10);
                        tick();
                        stopTicking();
                        ticker = $interval(tick, 1000);
                    });
                    return false;
                }
                if (code === IDLE_WARNING_WITHDRAWN) {
                    $scope.$evalAsync(function hideWarning() {
                        stopTicking();
                        $scope.secondsLeft = null;
                    });
                    return false;
                }
                return true;
            };

            var attach = function attach(managedClient) {
                if (!managedClient || !managedClient.client)
                    return;
                var client = managedClient.client;
                var previous = client.onmsg;
                if (previous && previous.hepsIdleWarning)
                    return;
                var onmsg = function onmsg(code, args) {
                    var allowDefault = handleMessage(code, args);
                    if (allowDefault && previous)
                        return previous(code, args);
                    return allowDefault;
                };
                onmsg.hepsIdleWarning = true;
                client.onmsg = onmsg;
            };

            $scope.stay = function stay() {
                var client = $scope.client && $scope.client.client;
                if (client) {
                    var display = client.getDisplay();
                    client.sendMouseState(new Guacamole.Mouse.State({ x: display.cursorX, y: display.cursorY }));
                }
            };

            $scope.$watch('client', function clientChanged(managedClient) {
                stopTicking();
                $scope.secondsLeft = null;
                attach(managedClient);
            });

            $scope.$on('$destroy', stopTicking);

        }]
    };

}]);
